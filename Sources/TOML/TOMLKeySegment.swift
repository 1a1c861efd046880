/// One part of a dotted key as read, with where it was written.
struct TOMLKeySegment {
    let name: String
    let position: TOMLPosition
}
