package io.cckmmock;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A cckm-mock for a test class: started before the first test, reset before each (fixtures back,
 * faults and journal cleared), stopped after the last. Register it as a static field,
 *
 * <pre>{@code @RegisterExtension static CckmMockExtension mock = new CckmMockExtension();}</pre>
 *
 * and call {@link #server()}, or use {@code @ExtendWith(CckmMockExtension.class)} and take a
 * {@link CckmMock} parameter.
 */
public final class CckmMockExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, ParameterResolver {
    private final CckmMock.Options options;
    private CckmMock server;

    public CckmMockExtension() { this(CckmMock.options()); }

    public CckmMockExtension(CckmMock.Options options) { this.options = options; }

    /** The running server (started by the first test of the class). */
    public CckmMock server() {
        if (server == null) throw new IllegalStateException("the server starts with the test class: use it inside a test");
        return server;
    }

    @Override
    public void beforeAll(ExtensionContext context) { server = CckmMock.start(options); }

    @Override
    public void beforeEach(ExtensionContext context) { server().reset(); }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) server.close();
        server = null;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == CckmMock.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) { return server(); }
}
