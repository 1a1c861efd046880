import Foundation
import TestSupport
import Testing

/// `repo` against a moto server that checks signatures (moto's IAM mode: after
/// INITIAL_NO_AUTH_ACTION_COUNT requests, each must be signed by a key of a user it knows).
/// The right key is accepted; a wrong secret and an unknown key each give their own line.
/// (moto's own check mishandles a `/` in a ListObjectsV2 prefix, boto3's requests included,
/// so this drives `init`, which does not list, and commands that fail before listing.)
@Suite struct S3SignatureTests {
    static let server = """
        import json, os, sys, time, boto3
        from moto.server import ThreadedMotoServer
        port = int(sys.argv[1])
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
        server.start()
        iam = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
        iam.create_user(UserName="repo")
        iam.put_user_policy(UserName="repo", PolicyName="s3", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="repo")["AccessKey"]
        with open(sys.argv[2] + ".tmp", "w") as f:
            f.write(key["AccessKeyId"] + " " + key["SecretAccessKey"])
        os.rename(sys.argv[2] + ".tmp", sys.argv[2])
        while True:
            time.sleep(1)
        """

    @Test func signaturesAreCheckedByTheStore() throws {
        let workspace = try Workspace("s3-signature")
        defer { workspace.remove() }
        let script = workspace.path("server.py"), keys = workspace.path("keys")
        try Self.server.write(toFile: script, atomically: true, encoding: .utf8)
        let port = try LoopbackSocket.freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
        let python = environment["REPO_TEST_PYTHON"] ?? "python3"
        let server = try ChildProcess(executable: "/usr/bin/env", arguments: [python, script, "\(port)", keys],
                                      environment: environment, stdin: .null, scratch: workspace.root)
        defer {
            server.kill(SIGKILL)
            _ = server.wait(timeout: 10)
        }
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: keys) && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        let pair = try String(contentsOfFile: keys, encoding: .utf8).split(separator: " ").map(String.init)
        try #require(pair.count == 2)
        let location = "s3:http://127.0.0.1:\(port)/signed/repo"
        func run(_ key: String, _ secret: String, _ arguments: String...) throws -> RunResult {
            try workspace.repo(["-r", location] + arguments,
                               environment: ["AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "REPO_S3_MAX_ATTEMPTS": "2"])
        }

        let initialized = try run(pair[0], pair[1], "init")
        #expect(initialized.status == 0, "\(initialized)")
        let wrongSecret = try run(pair[0], "not-the-secret", "snapshots")
        #expect(wrongSecret.status != 0 && wrongSecret.err.contains("rejected the request signature"), "\(wrongSecret)")
        #expect(!wrongSecret.combined.contains("not-the-secret") && !wrongSecret.combined.contains(pair[1]))
        let unknownKey = try run("AKIAUNKNOWNKEY000000", pair[1], "snapshots")
        #expect(unknownKey.status != 0 && unknownKey.err.contains("does not know this access key"), "\(unknownKey)")
        #expect(!unknownKey.combined.contains(pair[1]))
    }
}
