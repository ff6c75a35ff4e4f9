import type { Problem } from './contract.js';

// Conekta's error `type` per HTTP status (docs/conekta-api.md §3.2).
export const ErrorType = {
  malformedRequest: 'malformed_request_error',
  authentication: 'authentication_error',
  processing: 'processing_error',
  resourceNotFound: 'resource_not_found_error',
  conflict: 'conflict_error',
  parameterValidation: 'parameter_validation_error',
  preconditionRequired: 'precondition_required_error',
  api: 'api_error',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

export const Lang = { es: 'es', en: 'en' } as const;
export type Lang = (typeof Lang)[keyof typeof Lang];

/** `Accept-Language: es|en`, default es (as Conekta). */
export const langFrom = (header: string | undefined): Lang =>
  header?.trim().toLowerCase().startsWith('en') ? Lang.en : Lang.es;

export interface ErrorDetail {
  code: string;
  param?: string;
  message: string;
  debug_message: string;
}

export interface ConektaErrorBody {
  object: 'error';
  type: ErrorType;
  log_id: string;
  details: ErrorDetail[];
  /** The object the request modified anyway (legacy error docs; decline_body: with_order). */
  data?: unknown;
}

/** A detail in both languages; `message` is picked per request, `debug_message` is English. */
export interface DetailText {
  code: string;
  param?: string;
  es: string;
  en: string;
  debug: string;
}

export class ConektaApiError extends Error {
  override name = 'ConektaApiError';
  readonly data: unknown;
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    readonly details: DetailText[],
    options?: ErrorOptions & { data?: unknown },
  ) {
    super(details.map((d) => d.debug).join('; ') || type, options);
    this.data = options?.data;
  }
}

/** Errors of the /_sandbox control API (not Conekta's shape; e.g. paying a canceled order). */
export class SandboxControlError extends Error {
  override name = 'SandboxControlError';
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function errorBody(error: ConektaApiError, lang: Lang, logId: string): ConektaErrorBody {
  return {
    object: 'error',
    type: error.type,
    log_id: logId,
    // param omitted rather than null: spec examples omit it too
    details: error.details.map(({ code, param, es, en, debug }) => ({
      code,
      ...(param === undefined ? {} : { param }),
      message: lang === Lang.en ? en : es,
      debug_message: debug,
    })),
    ...(error.data === undefined ? {} : { data: error.data }),
  };
}

const single = (
  status: number,
  type: ErrorType,
  detail: DetailText,
  options?: ErrorOptions & { data?: unknown },
) => new ConektaApiError(status, type, [detail], options);

export const missingKey = () =>
  single(401, ErrorType.authentication, {
    code: 'conekta.errors.authentication.missing_key',
    es: 'Por favor incluye tu llave de acceso en tu solicitud.',
    en: 'Please include your access key in your request.',
    debug: 'Please include your access key in your request.',
  });

export const invalidKey = () =>
  single(401, ErrorType.authentication, {
    code: 'conekta.errors.authentication.invalid_key',
    es: 'Acceso no autorizado.',
    en: 'Unauthorized access.',
    debug: 'The access key is malformed, unknown or revoked.',
  });

// Notes §3.2: 409 conflict_error is "version conflict … the version in the headers was incorrect".
export const versionConflict = (accept: string | undefined) =>
  single(409, ErrorType.conflict, {
    code: 'conekta.errors.conflict.api_version',
    es: 'La versión de la API indicada en los encabezados es incorrecta.',
    en: 'The API version given in the headers is incorrect.',
    debug: `Expected "Accept: application/vnd.conekta-v2.<n>.0+json" (n 0 to 3), got ${accept === undefined ? 'no Accept header' : `"${accept}"`}.`,
  });

export const malformedRequest = (debug: string, cause?: unknown) =>
  single(
    400,
    ErrorType.malformedRequest,
    {
      code: 'conekta.errors.malformed_request.invalid_json',
      es: 'La solicitud no es un JSON válido.',
      en: 'The request is not valid JSON.',
      debug,
    },
    { cause },
  );

export const notFound = (kind: string, id: string) =>
  single(404, ErrorType.resourceNotFound, {
    code: 'conekta.errors.resource_not_found.entity',
    es: 'El recurso no fue encontrado.',
    en: 'The resource was not found.',
    debug: `The object ${kind} "${id}" could not be found.`,
  });

export const routeNotFound = (method: string, path: string) =>
  single(404, ErrorType.resourceNotFound, {
    code: 'conekta.errors.resource_not_found.entity',
    es: 'El recurso no fue encontrado.',
    en: 'The resource was not found.',
    debug: `${method} ${path} is not an operation this sandbox serves.`,
  });

export const apiFailure = () =>
  single(500, ErrorType.api, {
    code: 'conekta.errors.api.system.general_failure',
    es: 'Hubo un error de ejecución y los ingenieros de Conekta han sido notificados.',
    en: 'There was a runtime error and Conekta engineers have been notified.',
    debug: 'There was a runtime error and Conekta engineers have been notified.',
  });

const FAULT_TYPES: Record<number, ErrorType> = {
  400: ErrorType.malformedRequest,
  401: ErrorType.authentication,
  402: ErrorType.processing,
  403: ErrorType.processing, // sic, Conekta's 403 type (docs/conekta-api.md §3.2)
  404: ErrorType.resourceNotFound,
  409: ErrorType.conflict,
  422: ErrorType.parameterValidation,
  428: ErrorType.preconditionRequired,
};

/** The answer of the fail_next fault: Conekta's error type for the status, flagged as injected. */
export function injectedFailure(status: number): ConektaApiError {
  if (status === 500) return apiFailure();
  const type = FAULT_TYPES[status] ?? ErrorType.api;
  const family = type.replace(/_error$/, '');
  return single(status, type, {
    code: `conekta.errors.${family}.sandbox_fault`,
    es: `Error ${status} inyectado por el sandbox (fail_next).`,
    en: `Error ${status} injected by the sandbox (fail_next).`,
    debug: `Error ${status} injected by the sandbox fault knob fail_next.`,
  });
}

const codePath = (param: string) => param.replace(/\.\d+(?=\.|$)/g, '');

function problemDetail(problem: Problem): DetailText {
  const { param } = problem;
  if (problem.kind === 'unknown') {
    return {
      code: 'conekta.errors.parameter_validation.whitelist',
      param,
      es: `El parametro "${param}" no está permitido`,
      en: `The "${param}" parameter is not allowed`,
      debug: problem.message,
    };
  }
  const missing = problem.kind === 'missing';
  return {
    code: `conekta.errors.parameter_validation.${codePath(param) || 'body'}.${missing ? 'missing' : 'invalid'}`,
    ...(param ? { param } : {}),
    es: missing ? `El parámetro "${param}" es requerido.` : `El parámetro "${param}" no es válido.`,
    en: missing ? `The parameter "${param}" is required.` : `The parameter "${param}" is invalid.`,
    debug: problem.message,
  };
}

/** 422 with one detail per problem. */
export const parameterValidation = (problems: Problem[]) =>
  new ConektaApiError(422, ErrorType.parameterValidation, problems.map(problemDetail));

export const invalidParameter = (param: string, reason: string, es: string, en: string) =>
  single(422, ErrorType.parameterValidation, {
    code: `conekta.errors.parameter_validation.${codePath(param)}.${reason}`,
    param,
    es,
    en,
    debug: en,
  });

export const nonexistentToken = () =>
  single(422, ErrorType.parameterValidation, {
    code: 'conekta.errors.parameter_validation.payment_method.token_id.nonexistent_token',
    param: 'payment_method.token_id',
    es: 'El token no existe.',
    en: 'The token does not exist.',
    debug: 'The token does not exist.',
  });

/** Something real Conekta does that this sandbox does not model: loud, never silently wrong. */
export const unsupported = (param: string, what: string) =>
  single(422, ErrorType.parameterValidation, {
    code: 'conekta.errors.parameter_validation.sandbox.unsupported',
    param,
    es: `El sandbox de Conekta no soporta esto: ${what}`,
    en: `The Conekta sandbox does not support this: ${what}`,
    debug: `The Conekta sandbox does not support this: ${what}`,
  });

/** A reused token: 402 as the spec's 402 example, or 422 (token_reuse_status) as a validation error. */
export const tokenUsed = (status = 402) =>
  status === 422
    ? single(422, ErrorType.parameterValidation, {
        code: 'conekta.errors.parameter_validation.payment_method.token_id.used',
        param: 'payment_method.token_id',
        es: 'El token ya fue utilizado.',
        en: 'The token has already been used.',
        debug: 'The token has already been used.',
      })
    : single(402, ErrorType.processing, {
        code: 'conekta.errors.processing.tokenization.used',
        es: 'La tarjeta no pudo ser procesada.',
        en: 'The card could not be processed.',
        debug: 'The token has already been used.',
      });

export const CardDecline = {
  insufficient_funds: {
    code: 'conekta.errors.processing.charge.card_payment.insufficient_funds',
    es: 'Esta tarjeta no tiene suficientes fondos para completar la compra.',
    en: 'This card does not have sufficient funds to complete the purchase.',
  },
  card_declined: {
    code: 'conekta.errors.processing.charge.card_payment.declined',
    es: 'Esta tarjeta fue declinada. Por favor intenta con otro método de pago.',
    en: 'The card was declined. Please try another payment method.',
  },
} as const;
export type CardDeclineReason = keyof typeof CardDecline;

/** `declinedOrder`: the order the decline still created, carried as `data` (decline_body: with_order). */
export const cardDeclined = (reason: CardDeclineReason, declinedOrder?: unknown) => {
  const { code, es, en } = CardDecline[reason];
  return single(402, ErrorType.processing, { code, es, en, debug: en }, { data: declinedOrder });
};

export const preconditionRequired = (code: string, en: string, es: string) =>
  single(428, ErrorType.preconditionRequired, { code, es, en, debug: en });
