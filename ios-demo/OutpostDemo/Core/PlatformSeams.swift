import Foundation
import OutpostWallet

// The app's screens and their models (everything under Core/) import Foundation, Combine and
// OutpostWallet only: no SwiftUI, UIKit, Security or AVFoundation. What touches the phone comes in
// through the seams below, so the tests drive the same models with a software key and a real
// ledger, as the Android app's JVM tests do (android-demo/core).

/// The phone's hardware key store, as the wallet needs it. The app passes the Secure Enclave
/// (`SecureEnclaveDeviceKeys`); the tests pass an AES-GCM key held in memory.
protocol DeviceKeys: Sendable {
    /// Whether this phone can gate the key behind Face ID or Touch ID.
    var biometricAvailable: Bool { get }

    /// Makes a fresh device key, replacing any earlier one, and returns the protector over it.
    /// Throws `KeyProtectorError` when the phone cannot hold such a key.
    func newProtector(biometric: Bool) throws -> KeyProtector

    /// The protector over the key made at onboarding.
    func existingProtector() -> KeyProtector

    /// Forgets the device key: the wallet file it protected can never be opened again.
    func discard()
}

/// Makes the transport a sync goes through, for the ledger at a given address.
struct TransportFactory: Sendable {
    private let make: @Sendable (URL) -> SyncTransport

    init(_ make: @escaping @Sendable (URL) -> SyncTransport) {
        self.make = make
    }

    func transport(_ ledger: URL) -> SyncTransport {
        make(ledger)
    }

    /// URLSession, as the app syncs.
    static let urlSession = TransportFactory { URLSessionSyncTransport(ledger: $0) }
}

/// The time, in Unix seconds, for "3 min ago", request expiry and PIN retry countdowns. The
/// wallet checks expiries with its own clock; this one only words them.
struct Clock: Sendable {
    let nowSecs: @Sendable () -> UInt64

    static let system = Clock { UInt64(max(0, Date().timeIntervalSince1970)) }
}

/// The ledger a build is provisioned with (Config/Ledger.xcconfig, through Info.plist).
struct LedgerSettings: Equatable, Sendable {
    /// Its address, e.g. `http://127.0.0.1:7300`.
    let url: String
    /// Its public key, 64 hex digits, pinned at enrolment; empty when the build names none.
    let keyHex: String
    /// The ISO 4217 code wallets are created in, e.g. "JPY".
    let currency: String

    /// `url` as a URL the transport can use, or nil when it is not an http(s) address.
    var ledgerURL: URL? {
        guard let url = URL(string: url),
              let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host != nil
        else { return nil }
        return url
    }
}
