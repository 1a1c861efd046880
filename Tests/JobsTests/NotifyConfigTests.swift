import XCTest
@testable import Jobs

/// What `NotifierConfig.validate` tells the job-file decoder, and the pieces it checks.
final class NotifyConfigTests: XCTestCase {
    func problem(_ config: NotifierConfig) -> String? { NotifierConfig.validate(config) }

    func testGoodConfigsPass() {
        XCTAssertNil(problem(NotifierConfig(name: "ops", kind: .webhook, url: "https://hooks.example/T000/B000")))
        XCTAssertNil(problem(NotifierConfig(name: "ping", kind: .healthchecks, url: "http://[::1]:8000/ping/UUID")))
        XCTAssertNil(problem(NotifierConfig(name: "mail", kind: .email, smtpHost: "smtp.example", from: "backup@example",
                                            to: ["ops@example"], passwordFile: "/etc/repo/smtp-password")))
    }

    func testMistakesAreNamedWithoutQuotingTheURL() {
        let bad = problem(NotifierConfig(name: "ops", kind: .webhook, url: "ftp://hooks.example/SECRET"))
        XCTAssertEqual(bad, "notify.ops: url must be an http:// or https:// URL with a host, no user:password@ and no spaces")
        XCTAssertNotNil(problem(NotifierConfig(name: "ops", kind: .webhook, url: "https://user:pw@hooks.example/x")))
        XCTAssertNotNil(problem(NotifierConfig(name: "ops", kind: .webhook, url: "https:///x")))
        XCTAssertNotNil(problem(NotifierConfig(name: "ops", kind: .webhook, url: "https://h.example/a b")))
        XCTAssertEqual(problem(NotifierConfig(name: "ops", kind: .slack)), "notify.ops: type slack needs a url")
        XCTAssertEqual(problem(NotifierConfig(name: "ops", kind: .webhook, url: "https://h.example/", events: [])), "notify.ops: `on` names no event")
        XCTAssertEqual(problem(NotifierConfig(name: "ops", kind: .webhook, url: "https://h.example/", to: ["a@b"])),
                       "notify.ops: to is for type email only")
        XCTAssertEqual(problem(NotifierConfig(name: "ops", kind: .webhook, url: "https://h.example/", timeout: 0)),
                       "notify.ops: timeout must be between 0 and 300 seconds")
        XCTAssertEqual(problem(NotifierConfig(name: "m", kind: .email, from: "a@b", to: ["c@d"])), "notify.m: type email needs smtp = \"host:port\"")
        XCTAssertEqual(problem(NotifierConfig(name: "m", kind: .email, smtpHost: "s", to: ["c@d"])), "notify.m: type email needs from")
        XCTAssertEqual(problem(NotifierConfig(name: "m", kind: .email, smtpHost: "s", from: "a@b")), "notify.m: type email needs to = [\"address\", ...]")
        XCTAssertEqual(problem(NotifierConfig(name: "m", kind: .email, smtpHost: "s", from: "a@b", to: ["Ops <c@d>"])),
                       "notify.m: \"Ops <c@d>\" is not a mail address")
        XCTAssertEqual(problem(NotifierConfig(name: "m", kind: .email, smtpHost: "s", from: "a@b", to: ["c@d"], user: "u")),
                       "notify.m: user needs password-file")
        XCTAssertEqual(problem(NotifierConfig(name: "m", kind: .email, url: "https://x/", smtpHost: "s", from: "a@b", to: ["c@d"])),
                       "notify.m: type email takes smtp, not url")
    }

    func testEventNamesAndSMTPAddresses() {
        XCTAssertNil(NotificationEvent.problem(in: ["failure", "warning"]))
        XCTAssertEqual(NotificationEvent.problem(in: ["failed"]), "unknown event \"failed\" (start, success, warning, failure)")
        XCTAssertEqual(NotificationEvent.problem(in: ["start", "start"]), "names \"start\" twice")
        XCTAssertNotNil(NotificationEvent.problem(in: []))
        XCTAssertTrue(NotifierConfig.smtpServer("smtp.example:465")! == ("smtp.example", 465))
        XCTAssertTrue(NotifierConfig.smtpServer("smtp.example")! == ("smtp.example", 587))
        XCTAssertTrue(NotifierConfig.smtpServer("[::1]:25")! == ("::1", 25))
        XCTAssertNil(NotifierConfig.smtpServer("smtp.example:0"))
    }

    func testURLsKeepTheirTokenOutOfSight() throws {
        let url = try XCTUnwrap(NotifierURL("https://hc.example:8443/ping/UUID?rid=1#frag"))
        XCTAssertEqual(url.target, "/ping/UUID?rid=1")
        XCTAssertEqual(url.appendingToPath("/fail").target, "/ping/UUID/fail?rid=1")
        XCTAssertEqual(url.redacted, "https://hc.example:8443")
        XCTAssertEqual(NotifierURL("http://h.example")?.target, "/")
    }

    func testMailBodiesAreDotStuffedAndEncoded() {
        let stuffed = SMTPClient.dotStuffed(Array(".hidden\r\nplain\r\n..two".utf8))
        XCTAssertEqual(String(decoding: stuffed, as: UTF8.self), "..hidden\r\nplain\r\n...two\r\n")
        XCTAssertEqual(QuotedPrintable.encode(Array("Grüße = ok \nend".utf8)), "Gr=C3=BC=C3=9Fe =3D ok=20\r\nend")
        XCTAssertEqual(EmailMessage.encodedWord("repo run on höst"), "=?UTF-8?B?cmVwbyBydW4gb24gaMO2c3Q=?=")
    }
}
