import Foundation
import Repo

/// One attempt to tell one notifier: renders the notification the way its kind wants it
/// and sends it. The config is valid (`NotifierConfig.validate`) by the time it gets here.
struct NotifierDelivery {
    let config: NotifierConfig
    /// A PEM file of CAs to trust besides the system's.
    let trustedCertificates: String?

    func attempt(_ notification: JobNotification) throws(NotifierFailure) {
        switch config.kind {
        case .webhook:
            try http().post(WebhookPayload.body(notification), contentType: "application/json")
        case .slack:
            try http().post(SlackMessage.body(notification), contentType: "application/json")
        case .healthchecks:
            try http().post(HealthchecksPing.body(notification), contentType: "text/plain; charset=utf-8",
                            suffix: HealthchecksPing.suffix(notification.event))
        case .email:
            try mail(notification)
        }
    }

    private func http() throws(NotifierFailure) -> HTTPNotifier {
        guard let url = config.url.flatMap(NotifierURL.init) else { throw NotifierFailure("no usable url", transient: false) }
        return HTTPNotifier(url: url, timeout: config.timeout, trustedCertificates: trustedCertificates)
    }

    private func mail(_ notification: JobNotification) throws(NotifierFailure) {
        guard let host = config.smtpHost, let from = config.from else { throw NotifierFailure("no smtp server or from", transient: false) }
        var credentials: SMTPClient.Credentials?
        if let passwordFile = config.passwordFile {
            do {
                // Read at every attempt, never kept: a rotated password is picked up.
                let password = try PasswordSource(file: passwordFile, command: nil, environment: [:]).password()
                credentials = SMTPClient.Credentials(user: config.smtpUser ?? from, password: password)
            } catch {
                throw NotifierFailure("\(error)", transient: false)
            }
        }
        let message = EmailMessage(notification, from: from, to: config.to)
        let client = SMTPClient(host: host, port: config.smtpPort, timeout: config.timeout, trustedCertificates: trustedCertificates,
                                credentials: credentials)
        try client.send(from: from, to: config.to, message: message.rendered)
    }
}
