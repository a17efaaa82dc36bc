import Foundation

extension LedgerSettings {
    /// The ledger this build was provisioned with: OutpostLedgerURL, OutpostLedgerKey and
    /// OutpostLedgerCurrency in Info.plist, which Config/Ledger.xcconfig fills in.
    init(bundle: Bundle) {
        func value(_ key: String) -> String {
            let text = bundle.object(forInfoDictionaryKey: key) as? String ?? ""
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let currency = value("OutpostLedgerCurrency")
        self.init(
            url: value("OutpostLedgerURL"),
            keyHex: value("OutpostLedgerKey"),
            currency: currency.isEmpty ? "JPY" : currency
        )
    }
}
