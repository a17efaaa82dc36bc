import LocalAuthentication
import OutpostWallet

/// The app's `DeviceKeys`: one Secure Enclave key, made at onboarding, guarding the one wallet.
struct SecureEnclaveDeviceKeys: DeviceKeys {
    private let protector = SecureEnclaveKeyProtector()

    /// True when Face ID or Touch ID is set up on this iPhone (false on the Simulator unless
    /// enrolment is simulated, and false in any case without a Secure Enclave to use it with).
    var biometricAvailable: Bool {
        LAContext().canEvaluatePolicy(.deviceOwnerAuthenticationWithBiometrics, error: nil)
    }

    func newProtector(biometric: Bool) throws -> KeyProtector {
        try protector.createKey(biometric: biometric)
        return protector
    }

    func existingProtector() -> KeyProtector {
        protector
    }

    func discard() {
        protector.discard()
    }
}
