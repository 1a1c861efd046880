import Foundation

/// A real SMTP server for the email notifier's tests: Python's aiosmtpd on 127.0.0.1, with
/// STARTTLS on the certificate made for the test and AUTH that it only allows over TLS; or
/// without TLS; or TLS from the first byte (as on port 465). Every message lands as message-N.eml (the DATA as received)
/// next to message-N.json (envelope, TLS, login); every AUTH attempt is a line of auth.log.
final class NotifySMTPServer {
    let server: NotifyPythonServer
    var port: UInt16 { server.port }
    var certificate: String { server.certificate }

    static let script = #"""
        import json, os, ssl, sys, threading
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        directory, port, user, password, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
        lock = threading.Lock()

        def encrypted(server):  # STARTTLS or TLS from the first byte (session.ssl tells only the former)
            return server.transport.get_extra_info("ssl_object") is not None

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() and auth_data.password == password.encode()
            with lock, open(os.path.join(directory, "auth.log"), "a") as log:
                log.write(json.dumps({"mechanism": mechanism, "tls": encrypted(server), "ok": ok}) + "\n")
            return AuthResult(success=ok, handled=False)  # handled=True would leave the client unanswered

        class Handler:
            count = 0
            async def handle_DATA(self, server, session, envelope):
                Handler.count += 1
                base = os.path.join(directory, "message-%d" % Handler.count)
                with open(base + ".json", "w") as meta:
                    json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos, "tls": encrypted(server),
                               "authenticated": bool(session.authenticated)}, meta)
                with open(base + ".eml", "wb") as message:
                    message.write(envelope.original_content)
                return "250 2.0.0 stored"

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain("cert.pem", "key.pem")
        controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator, decode_data=False,
                                tls_context=context if mode == "starttls" else None,
                                ssl_context=context if mode == "implicit" else None,
                                auth_require_tls=mode == "starttls")
        controller.start()
        open("ready", "w").close()
        threading.Event().wait()
        """#

    /// Fails the test (never skips) when aiosmtpd is not installed.
    enum Mode: String { case starttls, plain, implicit }

    init(user: String, password: String, mode: Mode = .starttls) throws {
        server = try NotifyPythonServer(script: Self.script, arguments: [user, password, mode.rawValue], module: "aiosmtpd")
    }

    /// The messages received, in order: the raw DATA and the envelope's facts.
    func messages() throws -> [(text: String, envelope: [String: Any])] {
        var found: [(String, [String: Any])] = []
        while let raw = server.contents("message-\(found.count + 1).eml"), let meta = server.contents("message-\(found.count + 1).json") {
            found.append((String(decoding: raw, as: UTF8.self), try JSONSerialization.jsonObject(with: meta) as? [String: Any] ?? [:]))
        }
        return found
    }

    /// Every AUTH attempt: mechanism, whether it came over TLS, whether it succeeded.
    func authAttempts() throws -> [[String: Any]] { try server.jsonLines("auth.log") }
}
