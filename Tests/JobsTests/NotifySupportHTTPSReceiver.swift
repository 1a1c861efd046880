import Foundation

/// A webhook receiver that speaks HTTPS only, with the certificate made for the test:
/// Python's http.server; each POST becomes a line of requests.log (path, content type,
/// body) and is answered 200.
final class NotifyHTTPSReceiver {
    let server: NotifyPythonServer
    var port: UInt16 { server.port }
    var certificate: String { server.certificate }

    static let script = #"""
        import http.server, json, os, ssl, sys

        directory, port = sys.argv[1], int(sys.argv[2])

        class Receiver(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with open(os.path.join(directory, "requests.log"), "a") as log:
                    log.write(json.dumps({"path": self.path, "type": self.headers.get("Content-Type"), "body": body.decode()}) + "\n")
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Receiver)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain("cert.pem", "key.pem")
        server.socket = context.wrap_socket(server.socket, server_side=True)
        open("ready", "w").close()
        server.serve_forever()
        """#

    init() throws {
        server = try NotifyPythonServer(script: Self.script, arguments: [])
    }

    var requests: [[String: Any]] { (try? server.jsonLines("requests.log")) ?? [] }
}
