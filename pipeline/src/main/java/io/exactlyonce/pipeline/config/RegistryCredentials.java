package io.exactlyonce.pipeline.config;

import java.io.Serializable;
import java.util.Optional;

/**
 * HTTP basic-auth credentials for the schema registry, {@code user:password}, read from the file
 * named by {@code --schema-registry.credentials-file}. {@link #toString()} shows the user only.
 */
public final class RegistryCredentials implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final RegistryCredentials NONE = new RegistryCredentials(null);

    private final String userInfo;

    private RegistryCredentials(String userInfo) {
        this.userInfo = userInfo;
    }

    /**
     * @param source names the file in a refusal, never its content
     */
    static RegistryCredentials of(String userInfo, String source) {
        if (userInfo.indexOf(':') < 1 || userInfo.contains("\n")) {
            throw new InvalidJobConfigException(
                    "--"
                            + JobOptions.SCHEMA_REGISTRY_CREDENTIALS_FILE.key()
                            + ": "
                            + source
                            + " must hold one line, user:password");
        }
        return new RegistryCredentials(userInfo);
    }

    /** {@code user:password}, as the serde's {@code basic.auth.user.info} takes it. */
    public Optional<String> userInfo() {
        return Optional.ofNullable(userInfo);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RegistryCredentials that
                && java.util.Objects.equals(userInfo, that.userInfo);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hashCode(userInfo);
    }

    @Override
    public String toString() {
        return userInfo == null
                ? "RegistryCredentials[none]"
                : "RegistryCredentials[user=" + userInfo.substring(0, userInfo.indexOf(':')) + "]";
    }
}
