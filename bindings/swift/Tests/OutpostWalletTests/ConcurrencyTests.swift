#if os(macOS) || os(Linux) // they start a ledger process: iOS has no `Process`
import Foundation
import OutpostWallet
import XCTest

/// One `Wallet` is shared by every thread of an app. Sixteen threads paying from the same purse at
/// once must each get their own transfer, and the purse must go down by exactly what they paid.
final class ConcurrencyTests: XCTestCase {
    /// What many threads produced, and how they failed, under one lock.
    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var collectedValues: [String] = []
        private var collectedFailures: [String] = []

        func add(_ value: String) {
            lock.lock()
            defer { lock.unlock() }
            collectedValues.append(value)
        }

        func failed(_ error: Error) {
            lock.lock()
            defer { lock.unlock() }
            collectedFailures.append((error as? WalletError)?.description ?? "\(error)")
        }

        var values: [String] {
            lock.lock()
            defer { lock.unlock() }
            return collectedValues
        }

        var failures: [String] {
            lock.lock()
            defer { lock.unlock() }
            return collectedFailures
        }
    }

    func testSixteenThreadsPayingFromOnePurseEachGetTheirOwnTransfer() throws {
        let pair = try enrolledPair()
        let (ann, ben) = (pair.ann, pair.ben)
        let payments = 16

        // Ben shows sixteen requests of 100 yen (made concurrently too: his wallet is shared).
        let requestTexts = Collected()
        DispatchQueue.concurrentPerform(iterations: payments) { i in
            do {
                requestTexts.add(try ben.createRequest(amountMinor: 100, memo: "coffee \(i)", validForSecs: 600).qrText)
            } catch {
                requestTexts.failed(error)
            }
        }
        XCTAssertEqual(requestTexts.failures, [])
        let requests = requestTexts.values
        XCTAssertEqual(Set(requests).count, payments)

        // Ann pays all sixteen at once from her 10,000 yen purse, while other threads read.
        let paid = Collected()
        DispatchQueue.concurrentPerform(iterations: payments) { i in
            do {
                let payment = try ann.payRequest(requestQr: requests[i], amountMinor: nil, memo: "")
                paid.add(payment.transferId)
                _ = try ann.balances()
                _ = try ann.history(before: nil, limit: 5)
            } catch {
                paid.failed(error)
            }
        }
        XCTAssertEqual(paid.failures, [])
        XCTAssertEqual(paid.values.count, payments)
        XCTAssertEqual(Set(paid.values).count, payments, "every payment is its own transfer")

        let balances = try ann.balances()
        XCTAssertEqual(balances.offlinePurse.minor, 10_000 - 100 * UInt64(payments))
        XCTAssertEqual(balances.offlinePurse.minor, 8_400)
        XCTAssertEqual(balances.pendingOutgoing.minor, 1_600)
        XCTAssertEqual(try ann.history(before: nil, limit: 100).count, payments)
        XCTAssertGreaterThan(try ann.verifyLog().entries, UInt64(payments))

        // Ben accepts every one of them, from sixteen threads as well.
        let transfers = try ann.history(before: nil, limit: 100).map { try ann.showTransfer(transferId: $0.transferId) }
        let accepted = Collected()
        DispatchQueue.concurrentPerform(iterations: payments) { i in
            do {
                accepted.add(try ben.accept(transferQr: transfers[i]).transferId)
            } catch {
                accepted.failed(error)
            }
        }
        XCTAssertEqual(accepted.failures, [])
        XCTAssertEqual(Set(accepted.values), Set(paid.values))
        XCTAssertEqual(try ben.balances().pendingIncoming.minor, 1_600)
    }
}
#endif
