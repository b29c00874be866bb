import CCKMTestFixtures
import CCKMTestSupport
import TestSupport
import Testing

@testable import CCKMMock
@testable import CCKMServer

/// Which addresses get the warning that the control API is open (issue 43 #8).
@Suite(.inProcess()) struct ControlAPIExposureTests {
    @Test(arguments: [
        ("0.0.0.0", true), ("::", true), ("203.0.113.7", true), ("2001:db8::1", true), ("localhost", false), ("127.0.0.1", false),
        ("::1", false), ("10.0.0.5", false), ("172.20.1.1", false), ("172.32.0.1", true), ("192.168.1.20", false),
        ("169.254.3.4", false), ("fd00::5", false), ("fe80::1", false), ("fdhost.example", true), ("mock.internal", true),
    ])
    func onlyAnAddressOthersReachWarns(host: String, warns: Bool) {
        #expect(ServingMock.isReachableByOthers(host) == warns)
    }
}
