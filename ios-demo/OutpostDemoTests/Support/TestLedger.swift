import Foundation
#if canImport(FoundationNetworking)
// On Linux, URLSession and URLRequest live in FoundationNetworking, not Foundation.
import FoundationNetworking
#endif
import XCTest

/// A running Outpost ledger, worked as its finance officer through the officer API, for the
/// end-to-end test.
///
/// The iOS Simulator cannot start processes, so the ledger runs on the Mac and the test is told
/// where: `OUTPOST_TEST_LEDGER` (its address; the Simulator reaches the Mac's loopback) and
/// `OUTPOST_TEST_ADMIN_TOKEN` (the token it was started with). `xcodebuild test` passes them on
/// when they are given with a `TEST_RUNNER_` prefix; README.md has the commands. Without them the
/// test is skipped, and says why.
struct TestLedger {
    static let addressVariable = "OUTPOST_TEST_LEDGER"
    static let tokenVariable = "OUTPOST_TEST_ADMIN_TOKEN"

    let url: URL
    private let token: String

    struct Info {
        /// The key wallets pin, hex.
        let publicKey: String
        let currency: String
    }

    static func fromEnvironment() throws -> TestLedger {
        let environment = ProcessInfo.processInfo.environment
        guard let address = environment[addressVariable], let url = URL(string: address),
              let token = environment[tokenVariable], !token.isEmpty
        else {
            throw XCTSkip(
                "needs a running ledger: set \(addressVariable) and \(tokenVariable) " +
                    "(TEST_RUNNER_\(addressVariable)=… TEST_RUNNER_\(tokenVariable)=… xcodebuild test …; see ios-demo/README.md)"
            )
        }
        return TestLedger(url: url, token: token)
    }

    func info() async throws -> Info {
        let info = try await call("GET", "v1/ledger", body: nil, expect: 200)
        guard let key = info["public_key"] as? String, let currency = info["currency"] as? String else {
            throw FixtureFailure(description: "GET /v1/ledger: no public_key or currency in \(info)")
        }
        return Info(publicKey: key, currency: currency)
    }

    /// Enrols the wallet that showed `enrolmentQr`; returns its member id.
    func enrol(_ enrolmentQr: String) async throws -> String {
        let member = try await call("POST", "v1/officer/members", body: ["enrolment_qr": enrolmentQr], expect: 201)
        guard let memberId = member["member_id"] as? String else {
            throw FixtureFailure(description: "POST /v1/officer/members: no member_id in \(member)")
        }
        return memberId
    }

    /// Credits a member's online account; the money reaches the wallet at its next sync.
    func credit(_ memberId: String, amountMinor: UInt64, memo: String = "pay") async throws {
        _ = try await call(
            "POST",
            "v1/officer/members/\(memberId)/credit",
            body: ["amount_minor": amountMinor, "memo": memo],
            expect: 200
        )
    }

    private func call(_ method: String, _ path: String, body: [String: Any]?, expect status: Int) async throws -> [String: Any] {
        var request = URLRequest(url: url.appendingPathComponent(path))
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let code = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard code == status else {
            throw FixtureFailure(
                description: "\(method) /\(path): HTTP \(code), expected \(status): \(String(decoding: data, as: UTF8.self))"
            )
        }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureFailure(description: "\(method) /\(path): not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }
}
