import assert from 'node:assert/strict';
import { X509Certificate, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { ANSWER_HEADERS, type CaResponse, SIGNATURE_HEADERS, answerPrefix, trustBundleBytes } from '@siteport/protocol';
import { answerProblem, certificateKey } from '../src/answer-check.js';
import { siteTrustAnchors } from '../src/pin-ca.js';
import { createTestPki } from './support/test-pki.js';

const site = createTestPki();
const corp = createTestPki();

function caAnswer(anchors: string, signer = site.caKeyPem, ca = site): CaResponse {
  return {
    siteCode: 'PS1',
    caCertificate: ca.caPem,
    fingerprint: ca.caFingerprint,
    trust: {
      certificates: anchors,
      signature: sign('sha256', Buffer.from(trustBundleBytes('PS1', anchors)), signer).toString('base64'),
    },
  };
}

describe('what an agent trusts beside the pinned site CA (decision 0101)', () => {
  it('takes the CA certificates of a trust list the pinned site CA signed', () => {
    assert.equal(siteTrustAnchors(caAnswer(corp.caPem), site.caPem), `${corp.caPem.trim()}\n`);
    assert.equal(
      siteTrustAnchors({ siteCode: 'PS1', caCertificate: site.caPem, fingerprint: site.caFingerprint }, site.caPem),
      undefined,
    );
  });

  it('attack: refuses a trust list signed by another key, one altered after signing, one naming a server certificate, and one from a site with another CA', () => {
    const forged = caAnswer(corp.caPem, corp.caKeyPem);
    assert.throws(() => siteTrustAnchors(forged, site.caPem), /E_CA_MISMATCH|not signed by the pinned site CA/);
    const altered = {
      ...caAnswer(corp.caPem),
      trust: { ...caAnswer(corp.caPem).trust!, certificates: createTestPki().caPem },
    };
    assert.throws(() => siteTrustAnchors(altered, site.caPem), /not signed by the pinned site CA/);
    assert.throws(() => siteTrustAnchors(caAnswer(site.serverCertPem), site.caPem), /not 1 to 8 CA certificates/);
    assert.throws(
      () => siteTrustAnchors(caAnswer(corp.caPem, corp.caKeyPem, corp), site.caPem),
      /not the pinned site CA/,
    );
  });

  it('attack: refuses an answer an MP signed with a certificate another CA issued, and takes one whose certificate the pinned CA issued', () => {
    const sent = {
      method: 'POST',
      path: '/mp/v1/register',
      headers: { [SIGNATURE_HEADERS.client]: 'register', [SIGNATURE_HEADERS.nonce]: 'n'.repeat(44) },
    };
    const body = Buffer.from('{"clientId":"c1"}');
    const prefix = answerPrefix({
      status: 200,
      method: 'POST',
      path: '/mp/v1/register',
      clientId: 'register',
      sessionId: '',
      nonce: 'n'.repeat(44),
    });
    const signedBy = (pki: typeof site) => ({
      [ANSWER_HEADERS.mpSignature]: sign(
        'sha256',
        Buffer.concat([Buffer.from(prefix), body]),
        pki.serverKeyPem,
      ).toString('base64'),
      [ANSWER_HEADERS.signer]: new X509Certificate(pki.serverCertPem).raw.toString('base64'),
    });
    const keys = { session: undefined, site: certificateKey(site.caPem), pinnedTls: false };
    assert.equal(answerProblem(sent, { status: 200, headers: signedBy(site), body }, keys), undefined);
    assert.match(
      answerProblem(sent, { status: 200, headers: signedBy(corp), body }, keys) ?? '',
      /not issued by the pinned site CA/,
    );
    const swapped = {
      ...signedBy(corp),
      [ANSWER_HEADERS.signer]: new X509Certificate(site.serverCertPem).raw.toString('base64'),
    };
    assert.match(
      answerProblem(sent, { status: 200, headers: swapped, body }, keys) ?? '',
      /does not verify with the management point certificate/,
    );
  });
});
