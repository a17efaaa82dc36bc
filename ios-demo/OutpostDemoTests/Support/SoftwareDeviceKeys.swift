#if canImport(CryptoKit)
import CryptoKit
#endif
import Foundation
import OutpostWallet
@testable import OutpostDemo

#if canImport(CryptoKit)
/// A `KeyProtector` in software: AES-256-GCM under a key held in memory. The wallet needs
/// `unwrap` to fail, not return garbage, for bytes `wrap` did not produce; GCM's tag gives that.
/// It stands in for the Secure Enclave, which the iOS Simulator does not have.
final class SoftwareKeyProtector: KeyProtector {
    private let keyBytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }

    func wrap(plaintext: Data) throws -> Data {
        let sealed: AES.GCM.SealedBox
        do {
            sealed = try AES.GCM.seal(plaintext, using: SymmetricKey(data: keyBytes))
        } catch {
            throw KeyProtectorError.Failed(reason: "AES-GCM seal failed: \(error)")
        }
        guard let combined = sealed.combined else {
            throw KeyProtectorError.Failed(reason: "AES-GCM gave no combined nonce, text and tag")
        }
        return combined
    }

    func unwrap(wrapped: Data) throws -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: wrapped), using: SymmetricKey(data: keyBytes))
        } catch {
            throw KeyProtectorError.Failed(reason: "the wrapped key did not open under this device's key")
        }
    }
}
#else
/// A `KeyProtector` in software, for Linux, which has no CryptoKit (and the tests fetch no crypto
/// package): it keeps each data key in memory and `wrap` returns a random 32-byte handle to it.
/// It keeps what the wallet relies on, that `unwrap` fails rather than return other bytes for
/// anything this protector's `wrap` did not produce; it is no encryption, and says nothing about
/// AES-GCM, which only the Apple build tests. (`@unchecked`: `lock` guards `keys`.)
final class SoftwareKeyProtector: KeyProtector, @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [Data: Data] = [:]

    func wrap(plaintext: Data) throws -> Data {
        let handle = Data((0..<32).map { _ in UInt8.random(in: .min ... .max) })
        lock.withLock { keys[handle] = plaintext }
        return handle
    }

    func unwrap(wrapped: Data) throws -> Data {
        guard let plaintext = lock.withLock({ keys[wrapped] }) else {
            throw KeyProtectorError.Failed(reason: "the wrapped key did not open under this device's key")
        }
        return plaintext
    }
}
#endif

/// `DeviceKeys` for one simulated phone without biometrics: a software key, replaced when a new
/// one is asked for and forgotten on `discard`, as the Secure Enclave key is.
final class SoftwareDeviceKeys: DeviceKeys, @unchecked Sendable {
    private let lock = NSLock()
    private var protector = SoftwareKeyProtector()

    var biometricAvailable: Bool { false }

    func newProtector(biometric: Bool) throws -> KeyProtector {
        lock.withLock {
            protector = SoftwareKeyProtector()
            return protector
        }
    }

    func existingProtector() -> KeyProtector {
        lock.withLock { protector }
    }

    func discard() {
        lock.withLock {
            protector = SoftwareKeyProtector()
        }
    }
}

/// `DeviceKeys` whose key store fails every wrap, as broken hardware would; counts the discards.
final class FailingDeviceKeys: DeviceKeys, @unchecked Sendable {
    private final class OnFire: KeyProtector {
        func wrap(plaintext: Data) throws -> Data {
            throw KeyProtectorError.Failed(reason: "the key store is on fire")
        }

        func unwrap(wrapped: Data) throws -> Data {
            throw KeyProtectorError.Failed(reason: "the key store is on fire")
        }
    }

    private let lock = NSLock()
    private var discards = 0

    var biometricAvailable: Bool { false }

    /// How many times the key was discarded.
    var discarded: Int {
        lock.withLock { discards }
    }

    func newProtector(biometric: Bool) throws -> KeyProtector { OnFire() }

    func existingProtector() -> KeyProtector { OnFire() }

    func discard() {
        lock.withLock { discards += 1 }
    }
}
