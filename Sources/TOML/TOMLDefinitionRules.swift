/// TOML's rules on which header or dotted key may define or add to which table:
///
/// - `[a.b]` defines `a.b` once; `a` may be defined later by `[a]`, but only once.
/// - `[[a.b]]` appends a table to an array of tables; later headers below `a.b` go to its
///   last element. It cannot append to a static array (`a.b = [...]`).
/// - `a.b = 1` creates `a` as a table that only more dotted keys in the same place may
///   add to; headers may not redefine it, though they may define sub-tables of it.
/// - Inline tables and static arrays never change once written.
struct TOMLDefinitionRules {
    let file: String

    private func fail(_ message: String, at position: TOMLPosition) -> TOMLError {
        TOMLError(file: file, position: position, message: message)
    }

    /// The table a `[path]` header at `header` starts.
    func openTable(_ path: [TOMLKeySegment], in root: TOMLTableBuilder,
                   header: TOMLPosition) throws -> TOMLTableBuilder {
        let name = "[\(Self.format(path))]"
        let parent = try parentForHeader(path, in: root, header: header, name: name)
        guard let last = path.last else { return root }
        switch parent[last.name] {
        case nil:
            let table = try child(of: parent, origin: .header, header: header, key: last.position)
            parent.add(last.name, .table(table))
            return table
        case .table(let table):
            switch table.origin {
            case .implicit:
                table.origin = .header
                table.position = header
                table.keyPosition = last.position
                return table
            case .dotted:
                throw fail("table \(name) was already defined by dotted keys at \(table.keyPosition)",
                           at: header)
            case .root, .header, .inline:
                throw fail("table \(name) is defined twice (first at \(table.position))", at: header)
            }
        case .tableArray(let array):
            throw fail("table \(name) is already an array of tables (first at \(array.position))",
                       at: header)
        case .value(let node):
            let entry = TOMLTableBuilder.Entry.value(node)
            throw fail("cannot define table \(name): `\(Self.format(path))` is already "
                       + "\(entry.typeName) (at \(node.keyPosition))", at: header)
        }
    }

    /// The new last element a `[[path]]` header at `header` appends.
    func appendElement(_ path: [TOMLKeySegment], in root: TOMLTableBuilder,
                       header: TOMLPosition) throws -> TOMLTableBuilder {
        let name = "[[\(Self.format(path))]]"
        let parent = try parentForHeader(path, in: root, header: header, name: name)
        guard let last = path.last else { return root }
        switch parent[last.name] {
        case nil:
            let element = try child(of: parent, origin: .header, header: header, key: last.position)
            let array = TOMLTableBuilder.ArrayOfTables(first: element, position: header,
                                                       keyPosition: last.position)
            parent.add(last.name, .tableArray(array))
            return element
        case .tableArray(let array):
            let element = try child(of: parent, origin: .header, header: header, key: last.position)
            array.elements.append(element)
            return element
        case .table(let table):
            throw fail("cannot define array of tables \(name): [\(Self.format(path))] is already "
                       + "a table (first at \(table.position))", at: header)
        case .value(let node):
            if case .array = node.value {
                throw fail("cannot append to the static array `\(Self.format(path))` "
                           + "(defined at \(node.keyPosition)) with \(name)", at: header)
            }
            let entry = TOMLTableBuilder.Entry.value(node)
            throw fail("cannot define array of tables \(name): `\(Self.format(path))` is already "
                       + "\(entry.typeName) (at \(node.keyPosition))", at: header)
        }
    }

    /// Stores `node` under the dotted key `path` relative to `table`.
    func assign(_ node: TOMLNode, to path: [TOMLKeySegment], in table: TOMLTableBuilder) throws {
        guard let last = path.last else { return }
        var current = table
        for (i, segment) in path.dropLast().enumerated() {
            let prefix = "`\(Self.format(path[...i]))`"
            switch current[segment.name] {
            case nil:
                let next = try child(of: current, origin: .dotted, header: segment.position,
                                     key: segment.position)
                current.add(segment.name, .table(next))
                current = next
            case .table(let next) where next.origin == .dotted:
                current = next
            case .table(let next):
                throw fail("dotted key `\(Self.format(path))` cannot add to table \(prefix), "
                           + "which was created by a header (at \(next.position))", at: segment.position)
            case .tableArray(let array):
                throw fail("dotted key `\(Self.format(path))` cannot add to \(prefix), "
                           + "an array of tables (at \(array.position))", at: segment.position)
            case .value(let existing):
                if case .table = existing.value {
                    throw fail("dotted key `\(Self.format(path))` cannot extend the inline table "
                               + "\(prefix) (defined at \(existing.keyPosition))", at: segment.position)
                }
                throw fail("dotted key `\(Self.format(path))` needs \(prefix) to be a table, but it is "
                           + "already \(existing.value.typeName) (at \(existing.keyPosition))",
                           at: segment.position)
            }
        }
        if let existing = current[last.name] {
            throw fail("duplicate key `\(Self.format(path))` (first defined at \(existing.definedAt))",
                       at: last.position)
        }
        current.add(last.name, .value(node))
    }

    /// Walks all but the last part of a header's key, creating implicit tables on the way
    /// and entering the last element of arrays of tables.
    private func parentForHeader(_ path: [TOMLKeySegment], in root: TOMLTableBuilder,
                                 header: TOMLPosition, name: String) throws -> TOMLTableBuilder {
        var current = root
        for (i, segment) in path.dropLast().enumerated() {
            switch current[segment.name] {
            case nil:
                let next = try child(of: current, origin: .implicit, header: header,
                                     key: segment.position)
                current.add(segment.name, .table(next))
                current = next
            case .table(let next):
                current = next
            case .tableArray(let array):
                guard let element = array.elements.last else { return current }
                current = element
            case .value(let node):
                let prefix = "`\(Self.format(path[...i]))`"
                if case .table = node.value {
                    throw fail("cannot define \(name): \(prefix) is an inline table (at "
                               + "\(node.keyPosition)), which cannot be extended", at: header)
                }
                throw fail("cannot define \(name): \(prefix) is already \(node.value.typeName) "
                           + "(at \(node.keyPosition))", at: header)
            }
        }
        return current
    }

    private func child(of parent: TOMLTableBuilder, origin: TOMLTableBuilder.Origin,
                       header: TOMLPosition, key: TOMLPosition) throws -> TOMLTableBuilder {
        guard parent.depth < TOMLTableBuilder.maximumDepth else {
            throw fail("tables are nested more than \(TOMLTableBuilder.maximumDepth) levels deep",
                       at: key)
        }
        return TOMLTableBuilder(origin: origin, position: header, keyPosition: key,
                                depth: parent.depth + 1)
    }

    static func format<S: Sequence>(_ path: S) -> String where S.Element == TOMLKeySegment {
        TOMLKey.format(path: path.map(\.name))
    }
}
