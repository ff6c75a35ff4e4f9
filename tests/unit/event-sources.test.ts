/** The local event source mappings' record shape: what Lambda's JSON gives a stream handler. */
import { asLambdaJson } from '../../local/event-sources.js';

describe('asLambdaJson', () => {
  it('turns binary attributes into base64 text, at any depth, as Lambda delivers them', () => {
    const bytes = new Uint8Array([0, 1, 254, 255]);
    const record = {
      dynamodb: {
        NewImage: { blob: { B: bytes }, list: { L: [{ B: bytes }] }, name: { S: 'x' }, n: { N: '12' } },
      },
    };
    expect(asLambdaJson(record)).toEqual({
      dynamodb: {
        NewImage: {
          blob: { B: 'AAH+/w==' },
          list: { L: [{ B: 'AAH+/w==' }] },
          name: { S: 'x' },
          n: { N: '12' },
        },
      },
    });
  });

  it('treats a Node Buffer as bytes too, not as its toJSON object', () => {
    expect(asLambdaJson({ B: Buffer.from('hi') })).toEqual({ B: 'aGk=' });
  });

  it('drops undefined fields as JSON does', () => {
    expect(asLambdaJson({ a: undefined, b: 1 })).toEqual({ b: 1 });
  });
});
