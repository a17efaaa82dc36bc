import Foundation

/// Where the wallet file lives on the phone, and how the phone keeps it.
///
/// **Out of backups.** A backup restored later, to this phone or another, brings back an older
/// copy of the purse. The wallet cannot tell that copy from the real one (docs/DESIGN.md §5: an
/// older copy of the same row, like a whole file restored from a copy, cannot be told apart on the
/// device), so it would sign the same purse slots again; the ledger would see a double spend, pay
/// both receivers and debit the member. The wallet's folder is therefore excluded from iCloud and
/// computer backups. (The Secure Enclave key that opens the file is ThisDeviceOnly and never
/// travels either, so a backed-up file would be of no use elsewhere, only a risk here.)
///
/// **Protected until first unlock.** `completeUntilFirstUserAuthentication`: after a restart the
/// file cannot be read until the phone has been unlocked once, yet it stays readable while the
/// screen is locked, so a sync or a payment that is writing when the phone locks does not fail
/// half way on I/O errors, as it would under `complete`. The rows inside are encrypted by the
/// wallet itself in any case, under a key wrapped by the PIN and the Secure Enclave.
enum WalletFolder {
    static let protection = FileProtectionType.completeUntilFirstUserAuthentication

    /// The wallet file and the companion files SQLite keeps beside it.
    private static let sqliteSuffixes = ["", "-wal", "-shm", "-journal"]

    /// The app's wallet: Application Support/Wallet/outpost.wallet.
    static var appWalletFile: URL {
        // FileManager's form rather than iOS 16's `URL.applicationSupportDirectory`, which
        // Foundation on Linux lacks: the same folder, and the core builds there for its tests.
        FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
            .appendingPathComponent("Wallet", isDirectory: true)
            .appendingPathComponent("outpost.wallet", isDirectory: false)
    }

    /// Makes the folder of `file` if needed, protected and excluded from backups. Files SQLite
    /// creates in it later get the app's default protection class, which is this same class: the
    /// app declares no data-protection entitlement that would change it.
    static func prepare(for file: URL) throws {
        var folder = file.deletingLastPathComponent()
        try FileManager.default.createDirectory(
            at: folder,
            withIntermediateDirectories: true,
            attributes: [.protectionKey: protection]
        )
        try FileManager.default.setAttributes([.protectionKey: protection], ofItemAtPath: folder.path)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try folder.setResourceValues(values)
    }

    /// Sets the protection class on the wallet file and the companions that exist.
    static func protect(_ file: URL) throws {
        for path in companionPaths(of: file) where FileManager.default.fileExists(atPath: path) {
            try FileManager.default.setAttributes([.protectionKey: protection], ofItemAtPath: path)
        }
    }

    private static func companionPaths(of file: URL) -> [String] {
        sqliteSuffixes.map { file.path + $0 }
    }
}
