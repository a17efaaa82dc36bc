#if os(macOS) || os(Linux)
import Foundation
#if canImport(FoundationNetworking)
// On Linux, URLSession and URLRequest live in FoundationNetworking, not Foundation.
import FoundationNetworking
#endif
import XCTest

/// A real `outpost-ledger` process on loopback, in a fresh directory, founded by two officers
/// whose keys the `outpost` command beside it makes: the wallets sync against it as a phone
/// would, and the tests act as the finance officers through `outpost ledger call`, which signs
/// each request with an officer's key. A credit made by the first officer is approved by the
/// second, since one officer alone moves no money.
///
/// The binary comes from `OUTPOST_LEDGER_BIN` (`cargo build -p outpost-ledger -p outpost-cli`,
/// then `OUTPOST_LEDGER_BIN=$PWD/target/debug/outpost-ledger swift test ...`; scripts/test-swift.sh
/// sets it); `outpost` is taken from the same directory. macOS and Linux only: iOS has no `Process`.
final class LedgerProcess: @unchecked Sendable {
    /// Where it listens, e.g. `http://127.0.0.1:53127`.
    let url: URL
    private let outpost: String
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
        let outpost = URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("outpost").path
        guard FileManager.default.isExecutableFile(atPath: outpost) else {
            throw Failure(description: "no `outpost` command at \(outpost): run `cargo build -p outpost-cli`")
        }
        var founders: [String] = []
        for name in LedgerProcess.officers {
            let passphrase = directory.appendingPathComponent("\(name).passphrase")
            try Data(UUID().uuidString.utf8).write(to: passphrase)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passphrase.path)
            let made = String(decoding: try LedgerProcess.run(outpost, [
                "officer", "new", "--key", directory.appendingPathComponent("\(name).officer").path,
                "--name", name, "--passphrase-file", passphrase.path,
            ]), as: UTF8.self)
            guard let line = made.split(separator: "\n").first(where: { $0.hasPrefix("enrolment code: ") }) else {
                throw Failure(description: "no enrolment code from `outpost officer new`: \(made)")
            }
            founders += ["--founding-officer", String(line.dropFirst("enrolment code: ".count))]
        }
        let ledgerDirectory = directory.appendingPathComponent("ledger", isDirectory: true)
        try FileManager.default.createDirectory(at: ledgerDirectory, withIntermediateDirectories: true)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--dir", ledgerDirectory.path, "--listen", "127.0.0.1:0"] + founders
        var environment = ProcessInfo.processInfo.environment
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
        self.outpost = outpost
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

    /// Credits a member's online account (made by one officer, approved by the other); the money
    /// moves at the member's next sync.
    func credit(_ memberId: String, amountMinor: UInt64, memo: String = "pay") throws {
        let body: [String: Any] = ["amount_minor": amountMinor, "memo": memo, "batch": "2026-11"]
        _ = try post("/v1/officer/members/\(memberId)/credit", body, expect: 200)
    }

    /// A member's purses as the ledger's books hold them (state, outstanding amount, expiry).
    func purses(_ memberId: String) throws -> [[String: Any]] {
        let data = try get("/v1/officer/members/\(memberId)/purses")
        guard let purses = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw Failure(description: "not a JSON array: \(String(decoding: data, as: UTF8.self))")
        }
        return purses
    }

    /// The signed audit export: every ledger entry and the checkpoint over them.
    func auditExport() throws -> Data {
        try get("/v1/officer/audit")
    }

    // MARK: HTTP

    private static let officers = ["Alice Sato", "Ben Okafor"]

    private func get(_ path: String) throws -> Data {
        if !path.hasPrefix("/v1/officer/") {
            let answer = try HTTPCall.run(URLRequest(url: URL(string: path, relativeTo: url)!.absoluteURL), on: session, timeout: 30)
            return answer.data
        }
        return try officerCall(LedgerProcess.officers[0], "GET", path, body: nil)
    }

    /// An officer request by the first officer; an act that waits for approval is approved by the
    /// second. `expect` is kept for the callers' reading: a refusal fails whatever it is.
    private func post(_ path: String, _ body: [String: Any], expect status: Int) throws -> Data {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        let answer = try officerCall(LedgerProcess.officers[0], "POST", path, body: json)
        guard let pending = (try? self.json(answer))?["pending_id"] as? String else { return answer }
        return try officerCall(LedgerProcess.officers[1], "POST", "/v1/officer/pending/\(pending)/approve", body: nil)
    }

    private func officerCall(_ officer: String, _ method: String, _ path: String, body: String?) throws -> Data {
        var args = [
            "ledger", "call", method, path, "--ledger", url.absoluteString,
            "--officer-key", directory.appendingPathComponent("\(officer).officer").path,
            "--passphrase-file", directory.appendingPathComponent("\(officer).passphrase").path,
        ]
        if let body { args += ["--body", body] }
        // The answer as bytes: the audit export is binary, and a round trip through a String
        // would replace what is not UTF-8.
        return try LedgerProcess.run(outpost, args)
    }

    /// Runs the `outpost` command; its stdout, or a failure with its stderr.
    private static func run(_ command: String, _ arguments: [String]) throws -> Data {
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
            throw Failure(description: "outpost \(arguments.prefix(3).joined(separator: " ")): \(String(decoding: errors, as: UTF8.self))")
        }
        return output
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
