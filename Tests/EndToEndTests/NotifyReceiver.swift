import Foundation

/// A real HTTP receiver on 127.0.0.1 for notification tests: Python's http.server in a
/// child process, recording each request (method, path, body) as one JSON line, answering
/// 200, or 500 for paths under /broken/.
final class NotifyReceiver {
    let port: Int
    let log: String
    private let process: ChildProcess

    var url: String { "http://127.0.0.1:\(port)" }

    init(directory: String) throws {
        log = directory + "/requests.jsonl"
        let portFile = directory + "/receiver.port"
        let script = """
            import http.server, json, sys
            class Handler(http.server.BaseHTTPRequestHandler):
                def handle_any(self):
                    length = int(self.headers.get('Content-Length') or 0)
                    body = self.rfile.read(length).decode('utf-8', 'replace')
                    with open(sys.argv[1], 'a') as log:
                        log.write(json.dumps({'method': self.command, 'path': self.path, 'body': body,
                                              'content_type': self.headers.get('Content-Type')}) + '\\n')
                    self.send_response(500 if self.path.startswith('/broken/') else 200)
                    self.send_header('Content-Length', '2')
                    self.end_headers()
                    self.wfile.write(b'ok')
                do_GET = do_POST = handle_any
                def log_message(self, *args): pass
            server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
            open(sys.argv[2], 'w').write(str(server.server_port))
            server.serve_forever()
            """
        process = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", script, log, portFile],
                                   environment: ["PATH": "/usr/local/bin:/usr/bin:/bin"], stdin: .null, scratch: directory)
        let deadline = Date().addingTimeInterval(20)
        while true {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) {
                self.port = port
                break
            }
            guard Date() < deadline else {
                process.kill(SIGKILL)
                throw HarnessError("the notification receiver did not start")
            }
            usleep(50_000)
        }
    }

    /// Every request received so far, in order.
    func requests() -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func requests(under prefix: String) -> [[String: Any]] {
        requests().filter { ($0["path"] as? String)?.hasPrefix(prefix) == true }
    }

    func stop() {
        process.kill(SIGKILL)
        _ = process.wait()
    }
}
