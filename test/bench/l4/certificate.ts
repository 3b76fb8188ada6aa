// The certificate of a run: made with openssl into a temp dir at start, removed with the other temp dirs.
import { makeCertificate, type TestCertificate } from '../../helpers/test-certificates.js';

/** Name the certificate is for (with SANs for 127.0.0.1); clients send it as SNI. */
export const CERT_NAME = 'localhost';

const made: TestCertificate[] = [];

/** A one-day self-signed P-256 certificate for {@link CERT_NAME}, shared by every TLS server of a section. */
export function makeBenchCertificate(): TestCertificate {
  const cert = makeCertificate(CERT_NAME);
  made.push(cert);
  return cert;
}

/** Deletes every certificate made by {@link makeBenchCertificate}; safe to call more than once. */
export function removeBenchCertificates(): void {
  for (const cert of made.splice(0)) cert.remove();
}
