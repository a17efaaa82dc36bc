#if os(macOS) || os(Linux)
import Foundation
#if canImport(FoundationNetworking)
// On Linux, URLSession and URLRequest live in FoundationNetworking, not Foundation.
import FoundationNetworking
#endif
import XCTest

/// A real `outpost-ledger` process on loopback, in a fresh directory, with a known officer token:
/// the wallets sync against it as a phone would, and the tests act as the finance officer through
/// its HTTP API.
///
/// The binary comes from `OUTPOST_LEDGER_BIN` (`cargo build -p outpost-ledger`, then
/// `OUTPOST_LEDGER_BIN=$PWD/target/debug/outpost-ledger swift test ...`; scripts/test-swift.sh sets it).
/// macOS and Linux only: iOS has no `Process`.
final class LedgerProcess: @unchecked Sendable {
    /// Where it listens, e.g. `http://127.0.0.1:53127`.
    let url: URL
    private let token: String
    private let directory: URL
    private let process: Process
    private let session = URLSession(configuration: .ephemeral)

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init() throws {
        guard let binary = ProcessInfo.processInfo.environment["OUTPOST_LEDGER_BIN"], !binary.isEmpty else {
            throw Failure(description: """
                OUTPOST_LEDGER_BIN is not set: run `cargo build -p outpost-ledger`, then \
                `OUTPOST_LEDGER_BIN=$PWD/target/debug/outpost-ledger swift test --package-path bindings/swift`
                """)
        }
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw Failure(description: "OUTPOST_LEDGER_BIN=\(binary) is not an executable file")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("outpost-ledger-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let token = "swift-tests-" + UUID().uuidString

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--dir", directory.path, "--listen", "127.0.0.1:0"]
        var environment = ProcessInfo.processInfo.environment
        environment["OUTPOST_ADMIN_TOKEN"] = token
        environment["OUTPOST_LOG"] = environment["OUTPOST_LOG"] ?? "warn"
        process.environment = environment
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw Failure(description: "cannot start \(binary): \(error)")
        }

        // The ledger prints one line once it listens: `listening on http://127.0.0.1:<port>`.
        let announced = LedgerProcess.firstLine(of: stdout.fileHandleForReading, within: 30)
        let prefix = "listening on "
        guard let line = announced, line.hasPrefix(prefix), let url = URL(string: String(line.dropFirst(prefix.count))) else {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(at: directory)
            throw Failure(description: "outpost-ledger did not say where it listens (first line: \(announced ?? "none"))")
        }
        self.url = url
        self.token = token
        self.directory = directory
        self.process = process
    }

    /// Stops the ledger (SIGTERM: it finishes the requests under way and exits) and deletes its
    /// directory.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: The officer's API

    /// The ledger's signing key (hex), which wallets pin at enrolment.
    func publicKey() throws -> String {
        let info = try json(get("/v1/ledger"))
        guard let key = info["public_key"] as? String else { throw Failure(description: "no public_key in \(info)") }
        XCTAssertEqual(info["currency"] as? String, "JPY")
        return key
    }

    /// Enrols the wallet that showed `enrolmentQr`; returns its member id.
    @discardableResult
    func enrol(_ enrolmentQr: String) throws -> String {
        let member = try json(post("/v1/officer/members", ["enrolment_qr": enrolmentQr], expect: 201))
        guard let id = member["member_id"] as? String else { throw Failure(description: "no member_id in \(member)") }
        return id
    }

    /// Credits a member's online account; the money moves at the member's next sync.
    func credit(_ memberId: String, amountMinor: UInt64, memo: String = "pay") throws {
        _ = try post("/v1/officer/members/\(memberId)/credit", ["amount_minor": amountMinor, "memo": memo], expect: 200)
    }

    /// The signed audit export: every ledger entry and the checkpoint over them.
    func auditExport() throws -> Data {
        try get("/v1/officer/audit")
    }

    // MARK: HTTP

    private func get(_ path: String) throws -> Data {
        try call("GET", path, body: nil, expect: 200)
    }

    private func post(_ path: String, _ body: [String: Any], expect status: Int) throws -> Data {
        try call("POST", path, body: JSONSerialization.data(withJSONObject: body), expect: status)
    }

    private func call(_ method: String, _ path: String, body: Data?, expect status: Int) throws -> Data {
        var request = URLRequest(url: URL(string: path, relativeTo: url)!.absoluteURL)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = body
        }
        let answer = try HTTPCall.run(request, on: session, timeout: 30)
        let code = (answer.response as? HTTPURLResponse)?.statusCode ?? 0
        guard code == status else {
            let text = HTTPCall.errorText(answer.data) ?? String(decoding: answer.data, as: UTF8.self)
            throw Failure(description: "\(method) \(path): HTTP \(code), expected \(status): \(text)")
        }
        return answer.data
    }

    private func json(_ data: Data) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(description: "not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }

    /// Reads up to the first newline, on a helper thread so a silent process cannot hang the test.
    private static func firstLine(of handle: FileHandle, within seconds: TimeInterval) -> String? {
        final class Line: @unchecked Sendable { var text: String? }
        let line = Line()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            var bytes = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break } // end of file: the process exited
                bytes.append(chunk)
                if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
                    line.text = String(decoding: bytes[bytes.startIndex..<newline], as: UTF8.self)
                    break
                }
            }
            done.signal()
        }
        return done.wait(timeout: .now() + seconds) == .timedOut ? nil : line.text
    }
}
#endif
