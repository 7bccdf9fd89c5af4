package io.exactlyonce.it.containers;

/**
 * How a scenario's services are secured.
 *
 * @param kafka a broker that offers SASL_SSL only, and the job's security file; null for a
 *     plaintext broker
 * @param database the certificates of a MariaDB that requires TLS, which every client verifies;
 *     null for a database without TLS
 */
record ServiceSecurity(SaslSslBroker kafka, TestCertificates database) {

    static final ServiceSecurity NONE = new ServiceSecurity(null, null);
}
