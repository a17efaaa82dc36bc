import Foundation
#if canImport(FoundationNetworking)
// On Linux, URLSession and URLRequest live in FoundationNetworking, not Foundation.
import FoundationNetworking
#endif
import XCTest

/// A running Outpost ledger, worked by two of its finance officers, for the end-to-end test.
///
/// Officers sign every request with their own key, and one officer alone moves no money
/// (docs/adr/0016). The test does not sign: it runs the `outpost` command, which does
/// (`outpost ledger call`), as a finance officer would. It is told where everything is:
/// `OUTPOST_TEST_LEDGER` (the ledger's address), `OUTPOST_TEST_OFFICERS` (a folder holding
/// `maker.officer` and `checker.officer`, two founding officers' key files, each with its
/// `.passphrase` file) and `OUTPOST_TEST_CLI` (the `outpost` command). scripts/test-swift.sh
/// starts such a ledger and sets them; ios-demo/README.md has the commands. Without them the test
/// is skipped, and says why. The iOS Simulator cannot start a process, so there it always skips:
/// run it with `swift test` in ios-demo on macOS or Linux.
struct TestLedger {
    static let addressVariable = "OUTPOST_TEST_LEDGER"
    static let officersVariable = "OUTPOST_TEST_OFFICERS"
    static let commandVariable = "OUTPOST_TEST_CLI"

    let url: URL
    private let officers: URL
    private let command: String

    struct Info {
        /// The key wallets pin, hex.
        let publicKey: String
        let currency: String
    }

    static func fromEnvironment() throws -> TestLedger {
        #if os(iOS)
        throw XCTSkip(
            "officer acts are signed by the `outpost` command, which the iOS Simulator cannot start: " +
                "run this test with `swift test` in ios-demo on macOS or Linux (see ios-demo/README.md)"
        )
        #else
        let environment = ProcessInfo.processInfo.environment
        guard let address = environment[addressVariable], let url = URL(string: address),
              let officers = environment[officersVariable], !officers.isEmpty,
              let command = environment[commandVariable], !command.isEmpty
        else {
            throw XCTSkip(
                "needs a running ledger and two of its officers: set \(addressVariable), \(officersVariable) " +
                    "and \(commandVariable) (scripts/test-swift.sh does; see ios-demo/README.md)"
            )
        }
        return TestLedger(url: url, officers: URL(fileURLWithPath: officers, isDirectory: true), command: command)
        #endif
    }

    func info() async throws -> Info {
        let (data, response) = try await URLSession.shared.data(from: url.appendingPathComponent("v1/ledger"))
        let info = try object(data, "GET /v1/ledger", status: (response as? HTTPURLResponse)?.statusCode ?? 0)
        guard let key = info["public_key"] as? String, let currency = info["currency"] as? String else {
            throw FixtureFailure(description: "GET /v1/ledger: no public_key or currency in \(info)")
        }
        return Info(publicKey: key, currency: currency)
    }

    /// Enrols the wallet that showed `enrolmentQr` (one officer's act); returns its member id.
    func enrol(_ enrolmentQr: String) async throws -> String {
        let member = try officer("maker", "POST", "/v1/officer/members", body: ["enrolment_qr": enrolmentQr])
        guard let memberId = member["member_id"] as? String else {
            throw FixtureFailure(description: "POST /v1/officer/members: no member_id in \(member)")
        }
        return memberId
    }

    /// Credits a member's online account: made by one officer, approved by the other. The money
    /// reaches the wallet at its next sync.
    func credit(_ memberId: String, amountMinor: UInt64, memo: String = "pay") async throws {
        let made = try officer(
            "maker",
            "POST",
            "/v1/officer/members/\(memberId)/credit",
            body: ["amount_minor": amountMinor, "memo": memo, "batch": "ios-demo-tests"]
        )
        guard let pending = made["pending_id"] as? String else {
            throw FixtureFailure(description: "a credit by one officer should wait for a second: \(made)")
        }
        _ = try officer("checker", "POST", "/v1/officer/pending/\(pending)/approve", body: nil)
    }

    /// One signed officer request, through `outpost ledger call`; its JSON answer.
    private func officer(_ name: String, _ method: String, _ path: String, body: [String: Any]?) throws -> [String: Any] {
        #if os(iOS)
        throw FixtureFailure(description: "the iOS Simulator cannot run the outpost command")
        #else
        var arguments = [
            "ledger", "call", method, path, "--ledger", url.absoluteString,
            "--officer-key", officers.appendingPathComponent("\(name).officer").path,
            "--passphrase-file", officers.appendingPathComponent("\(name).passphrase").path,
        ]
        if let body {
            arguments += ["--body", String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureFailure(description: "\(method) \(path) as \(name): \(String(decoding: errors, as: UTF8.self))")
        }
        return try object(output, "\(method) \(path)", status: 200)
        #endif
    }

    private func object(_ data: Data, _ what: String, status: Int) throws -> [String: Any] {
        guard (200..<300).contains(status) else {
            throw FixtureFailure(description: "\(what): HTTP \(status): \(String(decoding: data, as: UTF8.self))")
        }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureFailure(description: "\(what): not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }
}
