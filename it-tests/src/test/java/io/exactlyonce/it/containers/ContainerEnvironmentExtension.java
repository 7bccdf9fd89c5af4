package io.exactlyonce.it.containers;

import java.util.concurrent.Callable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts a scenario's containers once for its test class and removes them afterwards. */
final class ContainerEnvironmentExtension implements BeforeAllCallback, AfterAllCallback {

    private final String scenario;
    private final int parallelism;
    private final Callable<ServiceSecurity> security;
    private ContainerEnvironment environment;

    ContainerEnvironmentExtension(String scenario, int parallelism) {
        this(scenario, parallelism, () -> ServiceSecurity.NONE);
    }

    /**
     * @param security made before the containers start: keys, users, files
     */
    ContainerEnvironmentExtension(
            String scenario, int parallelism, Callable<ServiceSecurity> security) {
        this.scenario = scenario;
        this.parallelism = parallelism;
        this.security = security;
    }

    ContainerEnvironment environment() {
        return environment;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        environment = ContainerEnvironment.start(scenario, parallelism, security.call());
        FaultScenario.say(
                scenario, "containers ready in " + environment.startup().toSeconds() + " s");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (environment != null) {
            environment.close();
        }
    }
}
