import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpOrigin, resourceId, withToken } from '../src/url-token.js';

void describe('withToken', () => {
  const cases: Array<[string, string, string]> = [
    [
      'appends to a URL without a query',
      'https://h/media/v/hd/index.m3u8',
      'https://h/media/v/hd/index.m3u8?token=T',
    ],
    ['replaces the token the URL carried', 'https://h/a.m4s?token=old', 'https://h/a.m4s?token=T'],
    [
      'keeps every other parameter, in order and as encoded',
      'https://h/a.m4s?auth_key=1700-0-0-ab%2Fc&token=old&MtsHlsUriToken=x+y',
      'https://h/a.m4s?auth_key=1700-0-0-ab%2Fc&MtsHlsUriToken=x+y&token=T',
    ],
    [
      'removes every copy of token, also percent-encoded names',
      'https://h/k?token=a&x=1&%74oken=b&token',
      'https://h/k?x=1&token=T',
    ],
    [
      'leaves look-alike names alone',
      'https://h/k?tokens=1&mytoken=2&token_=3',
      'https://h/k?tokens=1&mytoken=2&token_=3&token=T',
    ],
    ['drops empty pairs', 'https://h/k?&a=1&&', 'https://h/k?a=1&token=T'],
    [
      'keeps the fragment after the query',
      'https://h/k?token=a#frag?token=z',
      'https://h/k?token=T#frag?token=z',
    ],
  ];
  for (const [name, input, expected] of cases) {
    void it(name, () => assert.equal(withToken(input, 'T'), expected));
  }

  void it('percent-encodes the token value', () => {
    assert.equal(withToken('https://h/k', 'a b&c=d/é'), 'https://h/k?token=a%20b%26c%3Dd%2F%C3%A9');
    assert.equal(new URL(withToken('https://h/k?token=x', 'a+b&c')).searchParams.get('token'), 'a+b&c');
  });
});

void describe('resourceId and httpOrigin', () => {
  void it('identifies a resource by origin and path, whatever its query', () => {
    assert.equal(
      resourceId('https://h:8443/keys/hls/v/s/0?MtsHlsUriToken=a&token=b#x'),
      'https://h:8443/keys/hls/v/s/0',
    );
    assert.equal(
      resourceId('seg_00001.svs?token=a', 'https://h/media/v/hd/index.m3u8?token=b'),
      'https://h/media/v/hd/seg_00001.svs',
    );
    assert.notEqual(
      resourceId('https://h/media/v/hd/seg_00001.svs'),
      resourceId('https://h/media/v/sd/seg_00001.svs'),
    );
  });
  void it('gives the origin of http(s) URLs only', () => {
    assert.equal(httpOrigin('http://127.0.0.1:9/a?b'), 'http://127.0.0.1:9');
    assert.equal(httpOrigin('data:text/plain,x'), undefined);
    assert.equal(httpOrigin('not a url'), undefined);
  });
});
