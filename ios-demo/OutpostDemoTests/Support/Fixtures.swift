import Foundation
import OutpostWallet
import XCTest
@testable import OutpostDemo

/// The PIN every test wallet is made with.
let testPin = "482916"

struct FixtureFailure: Error, CustomStringConvertible {
    let description: String
}

extension XCTestCase {
    /// A fresh directory for this test's wallet files, deleted when the test ends.
    func makeWalletDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("outpost-demo-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock {
            _ = try? FileManager.default.removeItem(at: directory)
        }
        return directory
    }
}

/// A host for the wallet file `<name>.wallet` in `directory`, on its own software device key
/// unless given `keys` (a phone's, shared by hosts of copies of one wallet file).
@MainActor
func makeHost(
    in directory: URL,
    named name: String,
    keys: DeviceKeys = SoftwareDeviceKeys(),
    transports: TransportFactory = .urlSession
) -> WalletHost {
    WalletHost(
        walletFile: directory.appendingPathComponent("\(name).wallet"),
        keys: keys,
        transports: transports
    )
}

/// A member's phone: its host, its wallet's identity and the member id the ledger enrolled it as.
struct Member {
    let host: WalletHost
    let identity: Identity
    let memberId: String
}

/// A new wallet, onboarded and enrolled through the screens under a member id unique to this run
/// (the ledger keeps its members between runs).
@MainActor
func enrolledMember(
    _ name: String,
    in directory: URL,
    settings: LedgerSettings,
    ledger: TestLedger,
    keys: DeviceKeys = SoftwareDeviceKeys()
) async throws -> Member {
    let host = makeHost(in: directory, named: name.lowercased(), keys: keys)
    let identity = try await onboard(host, currency: settings.currency)
    let memberId = "\(name)-\(UUID().uuidString.prefix(8))"

    let enrolment = EnrolmentModel(host: host, settings: settings)
    await enrolment.show(memberId: memberId)?.value
    let enrolmentQr = try XCTUnwrap(enrolment.state.qr?.text, enrolment.state.message?.text ?? "")
    let enrolled = try await ledger.enrol(enrolmentQr)
    XCTAssertEqual(enrolled, memberId)
    return Member(host: host, identity: identity, memberId: memberId)
}

/// Takes a new host through onboarding, as a member would, and returns the wallet's identity.
@MainActor
@discardableResult
func onboard(_ host: WalletHost, currency: String = "JPY") async throws -> Identity {
    await host.start()
    let onboarding = OnboardingModel(host: host, currency: currency)
    onboarding.choosePin(testPin)
    await onboarding.confirmPin(testPin)?.value
    guard onboarding.state.step == .done, let identity = onboarding.state.identity, host.session == .unlocked(identity) else {
        throw FixtureFailure(
            description: "onboarding did not unlock the wallet: \(onboarding.state.message?.text ?? "no message")"
        )
    }
    return identity
}

/// A transport whose ledger answers every sync with 503, as one down for maintenance would.
final class RefusingTransport: SyncTransport {
    func exchange(request: Data) throws -> Data {
        throw SyncTransportError.Refused(reason: "the ledger is down for maintenance", status: 503)
    }
}
