import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeXml, parseCompleteMultipartUpload, renderXmlDocument } from '../../src/upload/oss-xml.js';

describe('OSS XML', () => {
  it('parses the CompleteMultipartUpload body ali-oss writes', () => {
    // Byte for byte what ali-oss 6.23 `completeMultipartUpload` builds.
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>\n' +
      '<Part>\n<PartNumber>1</PartNumber>\n<ETag>"0F343B0931126A20F133D67C2B018A3B"</ETag>\n</Part>\n' +
      '<Part>\n<PartNumber>2</PartNumber>\n<ETag>"D41D8CD98F00B204E9800998ECF8427E"</ETag>\n</Part>\n' +
      '</CompleteMultipartUpload>';
    assert.deepEqual(parseCompleteMultipartUpload(xml), [
      { partNumber: 1, etag: '0F343B0931126A20F133D67C2B018A3B' },
      { partNumber: 2, etag: 'D41D8CD98F00B204E9800998ECF8427E' },
    ]);
  });

  it('accepts attributes, comments, entities and other SDKs’ extra part fields', () => {
    const xml =
      '\ufeff<CompleteMultipartUpload xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com"><!-- c -->' +
      '<Part><PartNumber> 3 </PartNumber><ETag>&quot;AB&#x43;&#68;&quot;</ETag><Size>5</Size></Part>' +
      '</CompleteMultipartUpload>';
    assert.deepEqual(parseCompleteMultipartUpload(xml), [{ partNumber: 3, etag: 'ABCD' }]);
    // Found by the fuzzer: the quotes go whatever the ETag holds, a line separator too.
    const odd =
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"a\u2028b"</ETag></Part></CompleteMultipartUpload>';
    assert.deepEqual(parseCompleteMultipartUpload(odd), [{ partNumber: 1, etag: 'a\u2028b' }]);
  });

  it('returns undefined for anything that is not a well-formed part list', () => {
    const part = '<Part><PartNumber>1</PartNumber><ETag>"A"</ETag></Part>';
    const bad = [
      '',
      'not xml',
      `<CompleteMultipartUpload>${part}`,
      `<Other>${part}</Other>`,
      '<CompleteMultipartUpload></CompleteMultipartUpload>',
      `<CompleteMultipartUpload>${part}</CompleteMultipartUpload>trailing`,
      `<CompleteMultipartUpload>${part}</CompleteMultipartUpload><Again/>`,
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>A</ETag></Part></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag></ETag></Part></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><PartNumber>2</PartNumber><ETag>A</ETag></Part></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Item>1</Item></CompleteMultipartUpload>',
      `<!DOCTYPE x [<!ENTITY e "boom">]><CompleteMultipartUpload>${part}</CompleteMultipartUpload>`,
      `<CompleteMultipartUpload><![CDATA[x]]>${part}</CompleteMultipartUpload>`,
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&e;</ETag></Part></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>a & b</ETag></Part></CompleteMultipartUpload>',
      `<CompleteMultipartUpload>${'<a>'.repeat(50)}${'</a>'.repeat(50)}</CompleteMultipartUpload>`,
      `<CompleteMultipartUpload>${part.repeat(10_001)}</CompleteMultipartUpload>`,
    ];
    for (const xml of bad) assert.equal(parseCompleteMultipartUpload(xml), undefined, xml.slice(0, 80));
  });

  it('renders documents with escaped text', () => {
    assert.equal(escapeXml(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    assert.equal(
      renderXmlDocument([
        'Error',
        [
          ['Code', 'AccessDenied'],
          ['Message', 'a < b'],
          ['Count', 3],
        ],
      ]),
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>a &lt; b</Message><Count>3</Count></Error>\n',
    );
  });
});
