import CryptoKit
import Foundation
import LocalAuthentication
import OutpostWallet
import Security

/// A `KeyProtector` whose key is a P-256 private key made inside the Secure Enclave.
///
/// The wallet gives its protector a small record (its data key, already wrapped under the PIN)
/// to wrap at creation and on a PIN change, and to unwrap at every unlock. `wrap` encrypts to the
/// public half of the enclave key with ECIES (cofactor ECDH, X9.63 KDF with SHA-256, AES-GCM),
/// which needs no prompt. `unwrap` asks the enclave to decrypt, which it does only under the key's
/// access control. The private key never leaves the enclave and cannot be exported or backed up,
/// so a copied wallet file cannot be opened, nor its PIN guessed, anywhere but on this iPhone;
/// there, the wallet's own counter limits PIN guesses. (The enclave cannot hold the wallet's
/// Ed25519 keys, which is why it guards the data key instead: docs/DESIGN.md §5.)
///
/// Access control, chosen at onboarding:
/// - **With Face ID or Touch ID**: `.privateKeyUsage` and `.biometryCurrentSet`. Every unlock needs
///   the member's face or finger as well as the PIN. Enrolling another face or finger invalidates
///   the key, on purpose: someone who learns the phone's passcode cannot add their own face and
///   open the wallet. The price is that after such a change this wallet cannot be opened here.
/// - **PIN only**: `.privateKeyUsage` alone. The key still never leaves this iPhone, which is what
///   stops an offline guess of the PIN. Adding `.devicePasscode` would make members type the phone's
///   passcode and then the wallet PIN at every unlock, for no protection the wallet's PIN counter
///   does not already give.
///
/// Either way the key is `kSecAttrAccessibleWhenUnlockedThisDeviceOnly`: usable only while the
/// phone is unlocked, never in a backup, never on another device.
///
/// The iOS Simulator has no Secure Enclave: every call there fails with `Unavailable`, and says so.
final class SecureEnclaveKeyProtector: KeyProtector {
    private static let algorithm = SecKeyAlgorithm.eciesEncryptionCofactorVariableIVX963SHA256AESGCM

    /// What happened and what to do when the key is gone. Like every reason here it is a clause:
    /// the screens put it inside a sentence ("The device key cannot be used (…).").
    private static let keyGone =
        "this iPhone no longer has the device key this wallet was made with (Face ID or Touch ID " +
        "changed since the wallet was set up, or the key was deleted), so the wallet cannot be opened " +
        "here. Money in your online account is safe at the ledger: ask your finance officer to revoke " +
        "this device and enrol a new wallet"

    private let tag: Data
    private let prompt: String

    init(tag: String = "org.outpost.demo.wallet-key", prompt: String = "Open your Outpost wallet") {
        self.tag = Data(tag.utf8)
        self.prompt = prompt
    }

    /// Makes the enclave key, replacing any earlier key with this tag.
    func createKey(biometric: Bool) throws {
        try requireSecureEnclave()
        discard()
        var error: Unmanaged<CFError>?
        let flags: SecAccessControlCreateFlags = biometric ? [.privateKeyUsage, .biometryCurrentSet] : [.privateKeyUsage]
        guard let access = SecAccessControlCreateWithFlags(
            kCFAllocatorDefault,
            kSecAttrAccessibleWhenUnlockedThisDeviceOnly,
            flags,
            &error
        ) else {
            throw Self.failure("the key's access control could not be made", error)
        }
        let attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits as String: 256,
            kSecAttrTokenID as String: kSecAttrTokenIDSecureEnclave,
            kSecPrivateKeyAttrs as String: [
                kSecAttrIsPermanent as String: true,
                kSecAttrApplicationTag as String: tag,
                kSecAttrAccessControl as String: access,
            ] as [String: Any],
        ]
        guard SecKeyCreateRandomKey(attributes as CFDictionary, &error) != nil else {
            throw Self.failure("the Secure Enclave could not make a key", error)
        }
    }

    func wrap(plaintext: Data) throws -> Data {
        try requireSecureEnclave()
        let key = try privateKey(context: nil)
        guard let publicKey = SecKeyCopyPublicKey(key) else {
            throw KeyProtectorError.Failed(reason: "the Secure Enclave key has no public key")
        }
        guard SecKeyIsAlgorithmSupported(publicKey, .encrypt, Self.algorithm) else {
            throw KeyProtectorError.Failed(reason: "the Secure Enclave key cannot encrypt with ECIES")
        }
        var error: Unmanaged<CFError>?
        guard let sealed = SecKeyCreateEncryptedData(publicKey, Self.algorithm, plaintext as CFData, &error) else {
            throw Self.failure("encrypting to the Secure Enclave key failed", error)
        }
        return sealed as Data
    }

    /// Decrypts inside the enclave. With a biometric key this is where Face ID or Touch ID asks,
    /// showing `prompt`; the wallet calls it off the main thread and waits.
    func unwrap(wrapped: Data) throws -> Data {
        try requireSecureEnclave()
        let context = LAContext()
        context.localizedReason = prompt
        // Face ID only, no "Enter Password" button: the device passcode is not what guards this key.
        context.localizedFallbackTitle = ""
        let key = try privateKey(context: context)
        var error: Unmanaged<CFError>?
        guard let plaintext = SecKeyCreateDecryptedData(key, Self.algorithm, wrapped as CFData, &error) else {
            throw Self.decryptionFailure(error)
        }
        return plaintext as Data
    }

    /// Deletes the enclave key. A wallet it protected can never be opened again.
    func discard() {
        SecItemDelete(keyQuery as CFDictionary)
    }

    // MARK: The key

    private var keyQuery: [String: Any] {
        [
            kSecClass as String: kSecClassKey,
            kSecAttrKeyClass as String: kSecAttrKeyClassPrivate,
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrTokenID as String: kSecAttrTokenIDSecureEnclave,
            kSecAttrApplicationTag as String: tag,
        ]
    }

    /// A reference to the enclave key. Fetching it asks for nothing; using it does. With `context`,
    /// that use is authenticated through LocalAuthentication.
    private func privateKey(context: LAContext?) throws -> SecKey {
        var query = keyQuery
        query[kSecReturnRef as String] = true
        if let context {
            query[kSecUseAuthenticationContext as String] = context
        }
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let item, CFGetTypeID(item) == SecKeyGetTypeID() else {
                throw KeyProtectorError.Failed(reason: "the keychain returned something other than a key")
            }
            // A CoreFoundation type cannot be cast conditionally; the type id was checked above.
            return item as! SecKey
        case errSecItemNotFound:
            throw KeyProtectorError.Unavailable(reason: Self.keyGone)
        case errSecUserCanceled:
            throw KeyProtectorError.Cancelled(reason: "authentication cancelled")
        case errSecInteractionNotAllowed:
            throw KeyProtectorError.Failed(reason: "the iPhone is locked: unlock it and try again")
        default:
            throw KeyProtectorError.Failed(reason: "the keychain could not read the wallet key (OSStatus \(status))")
        }
    }

    private func requireSecureEnclave() throws {
        guard SecureEnclave.isAvailable else {
            throw KeyProtectorError.Unavailable(
                reason: "this device has no Secure Enclave (the iOS Simulator has none), so it cannot hold " +
                    "the device key: run Outpost on an iPhone"
            )
        }
    }

    // MARK: Errors

    private static func failure(_ what: String, _ error: Unmanaged<CFError>?) -> KeyProtectorError {
        guard let error = error?.takeRetainedValue() else {
            return .Failed(reason: what)
        }
        return .Failed(reason: "\(what): \((error as Error).localizedDescription)")
    }

    /// Sorts a failed decryption into what the wallet does differently: a cancelled prompt counts
    /// no PIN try; a key that is gone or cannot be used is `Unavailable`; the rest is `Failed`.
    private static func decryptionFailure(_ error: Unmanaged<CFError>?) -> KeyProtectorError {
        guard let cfError = error?.takeRetainedValue() else {
            return .Failed(reason: "the Secure Enclave could not open the wallet key")
        }
        let nsError = cfError as Error as NSError
        if nsError.domain == LAErrorDomain, let code = LAError.Code(rawValue: nsError.code) {
            switch code {
            case .userCancel, .appCancel, .systemCancel, .userFallback:
                return .Cancelled(reason: "authentication cancelled")
            case .biometryNotEnrolled, .biometryNotAvailable:
                return .Unavailable(
                    reason: "Face ID or Touch ID is off or has nothing enrolled, and this wallet's key needs " +
                        "it: turn it back on in Settings"
                )
            case .biometryLockout:
                return .Failed(
                    reason: "Face ID or Touch ID is locked after too many tries: unlock the iPhone with its " +
                        "passcode, then try again"
                )
            case .authenticationFailed:
                return .Failed(reason: "Face ID or Touch ID did not recognise you: try again")
            default:
                return .Failed(reason: nsError.localizedDescription)
            }
        }
        if nsError.domain == NSOSStatusErrorDomain {
            switch OSStatus(truncatingIfNeeded: nsError.code) {
            case errSecUserCanceled:
                return .Cancelled(reason: "authentication cancelled")
            case errSecItemNotFound:
                return .Unavailable(reason: keyGone)
            case errSecAuthFailed:
                return .Failed(reason: "Face ID or Touch ID did not recognise you: try again")
            case errSecInteractionNotAllowed:
                return .Failed(reason: "the iPhone is locked: unlock it and try again")
            default:
                break
            }
        }
        return .Failed(reason: "the Secure Enclave could not open the wallet key: \(nsError.localizedDescription)")
    }
}
