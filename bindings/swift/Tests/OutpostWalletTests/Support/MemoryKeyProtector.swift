#if canImport(CryptoKit)
import CryptoKit
#endif
import Foundation
import OutpostWallet

#if canImport(CryptoKit)
/// A `KeyProtector` written in Swift: AES-256-GCM under a key held in memory. An app uses the
/// Secure Enclave instead (ios-demo); the wallet only needs `unwrap` to fail, not return garbage,
/// for bytes `wrap` did not produce, which GCM's tag gives.
final class MemoryKeyProtector: KeyProtector {
    private let keyBytes: Data

    init() {
        keyBytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }

    func wrap(plaintext: Data) throws -> Data {
        do {
            guard let combined = try AES.GCM.seal(plaintext, using: key).combined else {
                throw KeyProtectorError.Failed(reason: "AES-GCM gave no combined nonce, text and tag")
            }
            return combined
        } catch let error as KeyProtectorError {
            throw error
        } catch {
            throw KeyProtectorError.Failed(reason: "AES-GCM seal failed: \(error)")
        }
    }

    func unwrap(wrapped: Data) throws -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: wrapped), using: key)
        } catch {
            throw KeyProtectorError.Failed(reason: "the wrapped key did not open under this device's key")
        }
    }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }
}
#else
/// A `KeyProtector` written in Swift, for Linux, which has no CryptoKit (and the tests fetch no
/// crypto package): the protector keeps each data key in memory and `wrap` returns a random
/// 32-byte handle to it. It keeps what the wallet relies on, that `unwrap` fails rather than
/// return other bytes for anything this protector's `wrap` did not produce, and it is no
/// encryption at all: nothing here says AES-GCM works, which only the Apple build tests.
/// (`@unchecked`: `lock` guards `keys`.)
final class MemoryKeyProtector: KeyProtector, @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [Data: Data] = [:]

    func wrap(plaintext: Data) throws -> Data {
        let handle = Data((0..<32).map { _ in UInt8.random(in: .min ... .max) })
        lock.lock()
        defer { lock.unlock() }
        keys[handle] = plaintext
        return handle
    }

    func unwrap(wrapped: Data) throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        guard let plaintext = keys[wrapped] else {
            throw KeyProtectorError.Failed(reason: "the wrapped key did not open under this device's key")
        }
        return plaintext
    }
}
#endif

/// A protector whose hardware "fails" with an error the bindings know nothing about: the wallet
/// must turn it into `WalletError.KeyProtectorFailed`, never a crash.
final class BrokenKeyProtector: KeyProtector {
    struct KeystoreOnFire: Error, CustomStringConvertible {
        var description: String { "the keystore is on fire" }
    }

    func wrap(plaintext: Data) throws -> Data { throw KeystoreOnFire() }
    func unwrap(wrapped: Data) throws -> Data { throw KeystoreOnFire() }
}

/// A protector whose user cancels the biometric prompt, as a Secure Enclave protector reports it.
final class CancellingKeyProtector: KeyProtector {
    func wrap(plaintext: Data) throws -> Data {
        throw KeyProtectorError.Cancelled(reason: "the user cancelled Face ID")
    }

    func unwrap(wrapped: Data) throws -> Data {
        throw KeyProtectorError.Cancelled(reason: "the user cancelled Face ID")
    }
}
