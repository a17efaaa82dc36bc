import Foundation
import OutpostWallet

/// The modules of a QR code to draw, from the wallet's `qrMatrix` (error correction M). Drawing
/// adds `quietZone` light modules on every side.
struct QrPicture: Equatable {
    /// Light modules around the code, which scanners need to find its edge.
    static let quietZone = 4

    /// The text the code carries.
    let text: String
    /// Modules per side, without the quiet zone.
    let width: Int
    /// QR version, 1 to 40.
    let version: Int
    /// Row by row: `dark[y * width + x]`.
    let dark: [Bool]

    struct MalformedMatrix: Error, CustomStringConvertible {
        let description: String
    }

    /// The picture of `text`, any text a wallet call returned to show as a QR code.
    static func of(_ text: String) throws -> QrPicture {
        let matrix = try qrMatrix(text: text)
        let width = Int(matrix.width)
        guard matrix.modules.count == width * width else {
            throw MalformedMatrix(description: "the QR matrix has \(matrix.modules.count) modules for a width of \(width)")
        }
        return QrPicture(text: text, width: width, version: Int(matrix.version), dark: matrix.modules.map { $0 != 0 })
    }

    func isDark(x: Int, y: Int) -> Bool {
        dark[y * width + x]
    }
}
