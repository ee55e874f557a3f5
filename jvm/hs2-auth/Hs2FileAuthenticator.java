/*
 * HiveServer2's password check (hive.server2.authentication=CUSTOM, PLAIN SASL): the client's user name and
 * password against the credentials file the runtime writes at render_config (fraud_runtime/hive_credentials.py).
 *
 * The file's path is the system property fraud.hiveserver2.credentials; it is a 0600 properties file holding the
 * user name and a salted PBKDF2-HMAC-SHA256 hash of the password (never the password). It is read at every
 * login, so a restart is not needed to pick up a rewritten file. Comparisons are constant-time, and a refusal
 * says nothing about which of the two was wrong.
 */
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Properties;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.security.sasl.AuthenticationException;

import org.apache.hive.service.auth.PasswdAuthenticationProvider;

public final class Hs2FileAuthenticator implements PasswdAuthenticationProvider {
    public static final String FILE_PROPERTY = "fraud.hiveserver2.credentials";
    private static final String ALGORITHM = "PBKDF2WithHmacSHA256";
    private static final String REFUSED = "invalid user name or password";

    @Override
    public void Authenticate(String user, String password) throws AuthenticationException {
        Properties stored = load();
        byte[] salt = decode(stored, "salt");
        byte[] expected = decode(stored, "hash");
        int iterations = Integer.parseInt(required(stored, "iterations"));
        if (!ALGORITHM.equals(required(stored, "algorithm"))) {
            throw new AuthenticationException("credentials file: unsupported algorithm");
        }
        byte[] actual = pbkdf2(password == null ? "" : password, salt, iterations, expected.length * 8);
        byte[] givenUser = (user == null ? "" : user).getBytes(StandardCharsets.UTF_8);
        byte[] storedUser = required(stored, "username").getBytes(StandardCharsets.UTF_8);
        boolean userMatches = MessageDigest.isEqual(givenUser, storedUser);
        boolean passwordMatches = MessageDigest.isEqual(actual, expected);
        Arrays.fill(actual, (byte) 0);
        if (!(userMatches & passwordMatches)) {
            throw new AuthenticationException(REFUSED);
        }
    }

    private static Properties load() throws AuthenticationException {
        String file = System.getProperty(FILE_PROPERTY);
        if (file == null || file.isEmpty()) {
            throw new AuthenticationException("no credentials file: system property " + FILE_PROPERTY + " is not set");
        }
        Properties stored = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            stored.load(reader);
        } catch (IOException e) {
            throw new AuthenticationException("cannot read the credentials file " + file, e);
        }
        return stored;
    }

    private static String required(Properties stored, String key) throws AuthenticationException {
        String value = stored.getProperty(key);
        if (value == null || value.isEmpty()) {
            throw new AuthenticationException("credentials file: no " + key);
        }
        return value;
    }

    private static byte[] decode(Properties stored, String key) throws AuthenticationException {
        try {
            return Base64.getDecoder().decode(required(stored, key));
        } catch (IllegalArgumentException e) {
            throw new AuthenticationException("credentials file: " + key + " is not base64", e);
        }
    }

    private static byte[] pbkdf2(String password, byte[] salt, int iterations, int bits)
            throws AuthenticationException {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, bits);
        try {
            return SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new AuthenticationException("cannot hash the password", e);
        } finally {
            spec.clearPassword();
        }
    }
}
