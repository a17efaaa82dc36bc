import Foundation
import OutpostWallet
import XCTest

/// What an app needs to draw and route QR codes: the kind of a scanned text, and the module
/// matrix (or an SVG) of a text to show.
final class QrTests: XCTestCase {
    func testTheMatrixOfAnEnrolmentCodeIsASquareOfDarkAndLightModules() throws {
        let wallet = try newWallet(in: makeWalletDirectory(), named: "qr")
        let text = try wallet.enrolmentQr(memberId: "ANN-01")
        XCTAssertEqual(try qrKind(text: text), .enrolment)

        let matrix = try qrMatrix(text: text)
        XCTAssertTrue((1...40).contains(matrix.version))
        XCTAssertEqual(matrix.width, 17 + 4 * UInt32(matrix.version), "a version-v code is 17 + 4v modules wide")
        XCTAssertEqual(matrix.modules.count, Int(matrix.width * matrix.width))
        XCTAssertTrue(matrix.modules.allSatisfy { $0 == 0 || $0 == 1 })

        // The finder pattern in the top-left corner: a dark 7x7 ring around a light ring around
        // a dark 3x3 square.
        let width = Int(matrix.width)
        func dark(_ x: Int, _ y: Int) -> Bool { matrix.modules[matrix.modules.startIndex + y * width + x] == 1 }
        for i in 0..<7 {
            XCTAssertTrue(dark(i, 0) && dark(i, 6) && dark(0, i) && dark(6, i), "finder ring at \(i)")
        }
        for i in 1..<6 {
            XCTAssertFalse(dark(i, 1) || dark(i, 5) || dark(1, i) || dark(5, i), "finder gap at \(i)")
        }
        for y in 2..<5 {
            for x in 2..<5 {
                XCTAssertTrue(dark(x, y), "finder centre at \(x),\(y)")
            }
        }
    }

    func testEveryTextAWalletShowsIsRecognisedByItsKind() throws {
        let directory = try makeWalletDirectory()
        let wallet = try newWallet(in: directory, named: "kinds")
        let request = try wallet.createRequest(amountMinor: nil, memo: "anything", validForSecs: 300)
        XCTAssertNil(request.amount, "an open request lets the payer choose")
        XCTAssertEqual(try qrKind(text: request.qrText), .paymentRequest)
        XCTAssertEqual(try qrKind(text: "  \(request.qrText)\n"), .paymentRequest, "scanner whitespace is ignored")
    }

    func testTheSvgIsAPictureOfTheCode() throws {
        let wallet = try newWallet(in: makeWalletDirectory(), named: "svg")
        let text = try wallet.enrolmentQr(memberId: "ANN-01")
        let svg = try qrSvg(text: text, modulePx: 4)
        XCTAssertTrue(svg.contains("<svg"), String(svg.prefix(80)))
        XCTAssertTrue(svg.contains("</svg>"))
    }
}
