import Foundation
import OutpostWallet
import XCTest

/// Collects what the wallet logs. Called on the wallet call's thread, possibly while the wallet
/// holds its lock: it only appends under its own lock and never calls back into the wallet.
final class RecordingLogSink: LogSink, @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [LogRecord] = []

    func log(record: LogRecord) throws {
        lock.lock()
        defer { lock.unlock() }
        collected.append(record)
    }

    var records: [LogRecord] {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }
}

/// A sink that always fails: logging must never fail a wallet call.
final class FailingLogSink: LogSink {
    func log(record: LogRecord) throws {
        throw LogSinkError.Failed(reason: "the log file is full")
    }
}

final class LogSinkTests: XCTestCase {
    override func tearDown() {
        clearLogSink()
        super.tearDown()
    }

    func testTheSinkSeesWhatTheWalletDidAndNeverThePin() throws {
        let sink = RecordingLogSink()
        setLogSink(sink: sink, minLevel: .debug)

        let wallet = try newWallet(in: makeWalletDirectory(), named: "logged")
        wallet.lock()
        XCTAssertNotNil(walletError({ try wallet.unlock(pin: "000000") }))
        try wallet.unlock(pin: testPin)

        let records = sink.records
        XCTAssertTrue(records.contains { $0.level == .info && $0.target == "wallet.create" })
        XCTAssertTrue(records.contains { $0.level == .info && $0.target == "wallet.unlock" })
        let refusal = records.first { $0.level == .warn && $0.target == "wallet.unlock" }
        XCTAssertNotNil(refusal, "a failed call is logged with its readable text")
        XCTAssertTrue(refusal?.message.hasPrefix("PIN incorrect") ?? false, refusal?.message ?? "")
        for record in records {
            XCTAssertFalse(record.message.contains(testPin), "a record must never hold the PIN: \(record)")
            XCTAssertFalse(record.message.contains("000000"), "a record must never hold a PIN: \(record)")
        }
    }

    func testRecordsBelowTheMinimumLevelAreNotSent() throws {
        let sink = RecordingLogSink()
        setLogSink(sink: sink, minLevel: .warn)
        let wallet = try newWallet(in: makeWalletDirectory(), named: "quiet")
        wallet.lock()
        XCTAssertNotNil(walletError({ try wallet.unlock(pin: "000000") }))

        let levels = sink.records.map(\.level)
        XCTAssertFalse(levels.isEmpty)
        XCTAssertTrue(levels.allSatisfy { $0 == .warn || $0 == .error }, "\(levels)")
    }

    func testASinkThatThrowsNeverFailsAWalletCall() throws {
        setLogSink(sink: FailingLogSink(), minLevel: .debug)
        let wallet = try newWallet(in: makeWalletDirectory(), named: "unlogged")
        wallet.lock()
        try wallet.unlock(pin: testPin)
        XCTAssertTrue(wallet.isUnlocked())
    }

    func testAfterClearingNothingIsSent() throws {
        let sink = RecordingLogSink()
        setLogSink(sink: sink, minLevel: .debug)
        clearLogSink()
        _ = try newWallet(in: makeWalletDirectory(), named: "cleared")
        XCTAssertTrue(sink.records.isEmpty)
    }
}
