/**
 * lib/http/logger.ts: the line's keys (Powertools Logger's, so log queries keep working), the
 * Lambda context and its cold start, appended keys, empty and reserved keys, and values JSON
 * cannot write as they are (Errors, bigints, cycles).
 */
import { jest } from '@jest/globals';
import {
  createLogger,
  effectiveLevel,
  errorFields,
  Logger,
  LogLevel,
  logLevelOf,
  serializeLine,
  setLogSink,
  traceIdOf,
} from '../../lib/http/logger.js';

const lines: string[] = [];
let previousSink: ReturnType<typeof setLogSink>;
beforeAll(() => {
  previousSink = setLogSink((line) => lines.push(line));
});
afterAll(() => setLogSink(previousSink));
const traceHeader = process.env._X_AMZN_TRACE_ID;
const initType = process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
beforeEach(() => {
  lines.length = 0;
  delete process.env._X_AMZN_TRACE_ID;
  delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
});
afterAll(() => {
  if (traceHeader !== undefined) process.env._X_AMZN_TRACE_ID = traceHeader;
  if (initType !== undefined) process.env.AWS_LAMBDA_INITIALIZATION_TYPE = initType;
});
const written = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

const context = (awsRequestId: string) => ({
  awsRequestId,
  functionName: 'pagos-prod-webhooks',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:pagos-prod-webhooks',
  memoryLimitInMB: '512',
});

it("writes Powertools' keys, in Powertools' order, then appended keys, then the line's fields", () => {
  process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
  const logger = createLogger('pagos-webhooks', 'info');
  logger.addContext(context('req-1'));
  logger.appendKeys({ correlation_id: 'req-1' });
  const before = Date.now();
  logger.info('request done', { status: 200, outcome: 'applied' });
  const [line] = written();
  expect(Object.keys(line!)).toEqual([
    'level',
    'message',
    'timestamp',
    'service',
    'cold_start',
    'function_arn',
    'function_memory_size',
    'function_name',
    'function_request_id',
    'xray_trace_id',
    'correlation_id',
    'status',
    'outcome',
  ]);
  expect(line).toEqual({
    level: 'INFO',
    message: 'request done',
    timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    service: 'pagos-webhooks',
    cold_start: true,
    // Every line is redacted: the account id's twelve digits read like a card number's.
    function_arn: 'arn:aws:lambda:us-east-1:[redacted]:function:pagos-prod-webhooks',
    function_memory_size: '512',
    function_name: 'pagos-prod-webhooks',
    function_request_id: 'req-1',
    xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
    correlation_id: 'req-1',
    status: 200,
    outcome: 'applied',
  });
  const at = Date.parse(line!.timestamp as string);
  expect(at).toBeGreaterThanOrEqual(before - 1);
  expect(at).toBeLessThanOrEqual(Date.now());
});

it('without a context or a trace: the four keys of every line, and the fields', () => {
  createLogger('pagos-notifications').warn('w', { a: 1 }, { b: 2 });
  expect(written()).toEqual([
    {
      level: 'WARN',
      message: 'w',
      timestamp: expect.any(String),
      service: 'pagos-notifications',
      a: 1,
      b: 2,
    },
  ]);
});

it('cold start: the first context of an instance only; never under provisioned concurrency', () => {
  const logger = createLogger('t');
  logger.addContext(context('a'));
  logger.info('1');
  logger.addContext(context('b'));
  logger.info('2');
  expect(written().map((l) => [l.function_request_id, l.cold_start])).toEqual([
    ['a', true],
    ['b', false],
  ]);
  lines.length = 0;
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'provisioned-concurrency';
  const provisioned = createLogger('t');
  provisioned.addContext(context('c'));
  provisioned.info('3');
  expect(written()[0]).toMatchObject({ cold_start: false });
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  const onDemand = createLogger('t');
  onDemand.addContext(context('d'));
  onDemand.info('4');
  expect(written()[1]).toMatchObject({ cold_start: true });
});

it('a context without the optional parts leaves their keys out', () => {
  const logger = createLogger('t');
  logger.addContext({ awsRequestId: 'only-id' });
  logger.info('m');
  expect(written()[0]).toEqual({
    level: 'INFO',
    message: 'm',
    timestamp: expect.any(String),
    service: 't',
    cold_start: true,
    function_request_id: 'only-id',
  });
});

it('resetKeys forgets appended keys and keeps the context; appended keys accumulate until then', () => {
  const logger = createLogger('t');
  logger.addContext(context('a'));
  logger.appendKeys({ one: 1 });
  logger.appendKeys({ two: 2, one: 'again' });
  logger.info('m');
  expect(written()[0]).toMatchObject({ one: 'again', two: 2, function_request_id: 'a' });
  logger.resetKeys();
  logger.info('n');
  expect(written()[1]).not.toHaveProperty('one');
  expect(written()[1]).not.toHaveProperty('two');
  expect(written()[1]).toMatchObject({ function_request_id: 'a' });
});

it('a field replaces an appended key of the same name on its line only', () => {
  const logger = createLogger('t');
  logger.appendKeys({ to: 'paid' });
  logger.info('m', { to: 'refunded' });
  logger.info('n');
  expect(written().map((l) => l.to)).toEqual(['refunded', 'paid']);
});

it.each([undefined, null, ''])(
  'an empty value (%j) leaves its key out, and removes an appended one',
  (empty) => {
    const logger = createLogger('t');
    logger.appendKeys({ kept: 0, gone: 'x', never: empty });
    logger.info('m', { gone: empty, also: false });
    expect(written()[0]).toMatchObject({ kept: 0, also: false });
    expect(written()[0]).not.toHaveProperty('gone');
    expect(written()[0]).not.toHaveProperty('never');
    logger.appendKeys({ gone: empty });
    logger.info('n');
    expect(written()[1]).not.toHaveProperty('gone');
  },
);

it.each(['level', 'message', 'sampling_rate', 'service', 'timestamp'])(
  'the reserved key %s is dropped with a warning, from fields and appended keys',
  (key) => {
    const logger = createLogger('t', 'debug');
    logger.info('m', { [key]: 'x', other: 1 });
    expect(written()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: `The key "${key}" is a reserved key and will be dropped.`,
      }),
      expect.objectContaining({ level: 'INFO', message: 'm', service: 't', other: 1 }),
    ]);
    expect(written()[1]![key]).not.toBe('x');
    lines.length = 0;
    logger.appendKeys({ [key]: 'y' });
    logger.info('n');
    expect(written()).toHaveLength(2);
    expect(written()[1]![key]).not.toBe('y');
  },
);

it('fields may carry the context keys: a line says what it knows', () => {
  const logger = createLogger('t');
  logger.info('m', { function_name: 'other', cold_start: false });
  expect(written()[0]).toMatchObject({ function_name: 'other', cold_start: false });
});

describe('levels', () => {
  it.each<[string | undefined, number]>([
    ['debug', LogLevel.DEBUG],
    ['Info', LogLevel.INFO],
    ['WARN', LogLevel.WARN],
    ['error', LogLevel.ERROR],
    ['silent', LogLevel.SILENT],
    ['trace', LogLevel.TRACE],
    ['critical', LogLevel.CRITICAL],
    ['fatal', LogLevel.INFO],
    ['hasOwnProperty', LogLevel.INFO],
    ['', LogLevel.INFO],
    [undefined, LogLevel.INFO],
  ])('%j is %d', (setting, level) => {
    expect(logLevelOf(setting)).toBe(level);
  });

  it.each<[string | undefined, string | undefined, number, boolean]>([
    ['debug', undefined, LogLevel.DEBUG, false],
    ['debug', '', LogLevel.DEBUG, false],
    ['debug', 'verbose', LogLevel.DEBUG, false],
    ['debug', 'WARN', LogLevel.WARN, true],
    ['error', 'debug', LogLevel.DEBUG, false],
    ['info', 'INFO', LogLevel.INFO, false],
    ['info', 'fatal', LogLevel.CRITICAL, true],
    ['info', 'TRACE', LogLevel.TRACE, false],
    [undefined, 'error', LogLevel.ERROR, true],
  ])('setting %j with Lambda level %j writes at %d (stricter: %s)', (setting, lambda, level, stricter) => {
    expect(effectiveLevel(setting, lambda)).toEqual({ level, stricter });
  });

  it("Lambda's level wins, with one warning when it drops what the setting asked for", () => {
    const previous = process.env.AWS_LAMBDA_LOG_LEVEL;
    try {
      process.env.AWS_LAMBDA_LOG_LEVEL = 'WARN';
      const logger = createLogger('t', 'debug');
      logger.info('dropped');
      logger.warn('kept');
      expect(written().map((l) => l.message)).toEqual([
        'Current log level (debug) does not match AWS Lambda Advanced Logging Controls minimum log level (WARN). This can lead to data loss, consider adjusting them.',
        'kept',
      ]);
      lines.length = 0;
      process.env.AWS_LAMBDA_LOG_LEVEL = 'DEBUG';
      createLogger('t', 'warn').debug('written');
      expect(written().map((l) => l.message)).toEqual(['written']);
    } finally {
      if (previous === undefined) delete process.env.AWS_LAMBDA_LOG_LEVEL;
      else process.env.AWS_LAMBDA_LOG_LEVEL = previous;
    }
  });

  it('silent writes nothing, error included', () => {
    const logger = new Logger({ serviceName: 't', level: 'silent' });
    logger.error('e');
    expect(lines).toEqual([]);
  });
});

it.each<[string | undefined, string | undefined]>([
  [
    'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    '1-5759e988-bd862e3fe1be46a994272793',
  ],
  ['Root=1-abc', '1-abc'],
  ['Root=', undefined],
  ['', undefined],
  [undefined, undefined],
])('the trace id of %j is %j', (header, id) => {
  expect(traceIdOf(header)).toBe(id);
});

describe('values JSON cannot write as they are', () => {
  it('an Error: name, location, message, stack, cause (itself an Error, or any value), own fields', () => {
    const cause = new TypeError('inner');
    const error = Object.assign(new RangeError('outer', { cause }), { code: 'E_X', status: 502 });
    const fields = errorFields(error);
    expect(fields).toEqual({
      name: 'RangeError',
      location: expect.stringMatching(/logger\.test\.ts:\d+$/),
      message: 'outer',
      stack: error.stack,
      cause: {
        name: 'TypeError',
        location: expect.stringMatching(/logger\.test\.ts:\d+$/),
        message: 'inner',
        stack: cause.stack,
        cause: undefined,
      },
      code: 'E_X',
      status: 502,
    });
    expect(errorFields(new Error('m', { cause: 'text' })).cause).toBe('text');
  });

  it("an Error's location is the first `(file:line:column)` frame", () => {
    const error = new Error('m');
    error.stack =
      'Error: m\n    at anonymous\n    at f (/var/task/index.mjs:12:34)\n    at g (/var/task/other.mjs:5:6)';
    expect(errorFields(error).location).toBe('/var/task/index.mjs:12');
    // A message may hold what looks like a frame; only a line that ends with one is a frame.
    error.stack = 'Error: see (config.ts:3:4) here\n    at f (/var/task/index.mjs:12:34)';
    expect(errorFields(error).location).toBe('/var/task/index.mjs:12');
    error.stack = 'Error: m\n    at anonymous';
    expect(errorFields(error).location).toBe('');
    delete error.stack;
    expect(errorFields(error).location).toBe('');
  });

  it("an Error's own field does not replace its name, message, stack or cause", () => {
    const error = Object.assign(new Error('m'), { location: 'mine', message2: 'x' });
    Object.defineProperty(error, 'message', { value: 'own message', enumerable: true });
    const fields = errorFields(error);
    expect(fields.message).toBe('own message');
    expect(fields.location).not.toBe('mine');
    expect(fields.message2).toBe('x');
  });

  it('Errors anywhere in a line, bigints as text', () => {
    const line = JSON.parse(
      serializeLine({ error: new Error('top'), nested: { list: [new Error('deep')] }, amount: 12n }),
    );
    expect(line.error).toMatchObject({ name: 'Error', message: 'top' });
    expect(line.nested.list[0]).toMatchObject({ name: 'Error', message: 'deep' });
    expect(line.amount).toBe('12');
  });

  it('a cycle leaves out the repeated ancestor; a value seen twice apart is written twice', () => {
    const shared = { n: 1 };
    const loop: Record<string, unknown> = { name: 'loop', shared, again: [shared], amount: 5n };
    loop.self = loop;
    loop.child = { parent: loop, error: new Error('e') };
    const line = JSON.parse(serializeLine({ loop }));
    expect(line).toEqual({
      loop: {
        name: 'loop',
        shared: { n: 1 },
        again: [{ n: 1 }],
        amount: '5',
        child: { error: expect.objectContaining({ message: 'e' }) },
      },
    });
  });

  it('through a logger: a cycle costs nothing, a value too deep costs its line only', () => {
    const logger = createLogger('t');
    const loop: Record<string, unknown> = { a: 1 };
    loop.loop = loop;
    logger.info('cycle', { loop });
    let deep: unknown = 'x';
    for (let i = 0; i < 20_000; i += 1) deep = [deep];
    logger.info('deep', { deep });
    logger.info('after');
    expect(written()).toEqual([
      expect.objectContaining({ message: 'cycle', loop: { a: 1 } }),
      { level: 'ERROR', message: 'a log line could not be written; dropped' },
      expect.objectContaining({ message: 'after' }),
    ]);
  });
});

it('by default, every line goes to stdout, one per write, ending in a newline', () => {
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    previousSink('{"level":"INFO"}');
    expect(write.mock.calls).toEqual([['{"level":"INFO"}\n']]);
  } finally {
    write.mockRestore();
  }
});
