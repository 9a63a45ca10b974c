import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_LIST_LIMIT, parseStatusFilter } from '@piko/inspect';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBase64,
  IsBoolean,
  IsISO8601,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';

/** RFC 9110 §5.6.2 token: a method or a header field name. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A field value: visible characters, spaces and tabs (RFC 9110 §5.5), never CR or LF. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\uffff]*$/;

function IsStatusFilter(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStatusFilter',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseStatusFilter(value) !== undefined,
        defaultMessage: () => '$property must be a status (100 to 599) or a class such as 5xx',
      },
    },
    options,
  );
}

function IsHeaderList(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isHeaderList',
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) &&
          value.every(
            (pair) =>
              Array.isArray(pair) &&
              pair.length === 2 &&
              typeof pair[0] === 'string' &&
              typeof pair[1] === 'string' &&
              TOKEN.test(pair[0]) &&
              pair[1].length <= 65_536 &&
              FIELD_VALUE.test(pair[1]),
          ),
        defaultMessage: () => '$property must be a list of [name, value] pairs: names are tokens (RFC 9110 §5.6.2), values hold no CR or LF',
      },
    },
    options,
  );
}

function IsNoUpgrade(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNoUpgrade',
      validator: {
        validate: (value: unknown) => !Array.isArray(value) || !value.some((pair) => Array.isArray(pair) && typeof pair[0] === 'string' && pair[0].toLowerCase() === 'upgrade'),
        defaultMessage: () => '$property must not hold Upgrade: a replay is one HTTP exchange (upgrades are not replayed)',
      },
    },
    options,
  );
}

/** `GET /api/v1/endpoints/:id/requests` query (docs/admin-api.md "Traffic inspection"). */
export class ListRequestsQuery {
  @ApiPropertyOptional({ description: 'A status (`502`) or a class (`5xx`).', example: '5xx' })
  @IsOptional()
  @IsStatusFilter()
  status?: string;

  @ApiPropertyOptional({ description: 'Only this method (case-insensitive).', example: 'POST' })
  @IsOptional()
  @Matches(TOKEN, { message: 'method must be an HTTP method token' })
  @MaxLength(32)
  method?: string;

  @ApiPropertyOptional({ description: "Only targets whose path starts with this (the query is not compared).", example: '/api/' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  path_prefix?: string;

  @ApiPropertyOptional({ description: 'Only exchanges started at or after this time (ISO-8601).', format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'Only exchanges started before this time (ISO-8601).', format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({ description: `At most this many, newest first (default 100, max ${MAX_LIST_LIMIT}).`, minimum: 1, maximum: MAX_LIST_LIMIT })
  // class-validator runs a property's checks bottom-up: IsInt first, so `limit=abc` says so (not "greater than").
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(MAX_LIST_LIMIT)
  @IsInt({ message: 'limit must be an integer' })
  limit?: number;
}

/** `:id` of a captured exchange: `<proxy node ID>.<sequence number>`. */
export class RequestIdParams {
  @ApiProperty({ example: 'proxy-k3x9q2a.42' })
  @IsString()
  @Matches(/^.{1,256}\.\d{1,16}$/s, { message: 'id must be a captured request ID: <proxy node ID>.<number>' })
  id!: string;
}

/** `POST /api/v1/requests/:id/replay` body: what to change before sending the request again (all optional). */
export class ReplayRequestBody {
  @ApiPropertyOptional({ description: 'Another method.', example: 'PUT' })
  @IsOptional()
  @Matches(TOKEN, { message: 'method must be an HTTP method token' })
  @Matches(/^(?!connect$)/i, { message: 'method must not be CONNECT: a replay is one HTTP exchange' })
  @MaxLength(32)
  method?: string;

  @ApiPropertyOptional({ description: 'Another request-target, origin-form (`/path?query`).', example: '/orders/7?verbose=1' })
  @IsOptional()
  @IsString()
  @Matches(/^\/[\x21-\x7e]*$/, { message: 'path must be an origin-form request-target: / then visible ASCII, no spaces' })
  @MaxLength(8192)
  path?: string;

  @ApiPropertyOptional({
    description: 'Every header field to send instead of the captured ones, as [name, value] pairs (Host included: it names the endpoint).',
    type: 'array',
    items: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 },
    example: [['Host', 'my-service.example.com'], ['Content-Type', 'application/json']],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsHeaderList()
  @IsNoUpgrade()
  headers?: Array<[string, string]>;

  @ApiPropertyOptional({ description: 'Another body, base64 (Content-Length is set to match).', format: 'byte' })
  @IsOptional()
  @IsString()
  @IsBase64()
  body?: string;
}

/** `PUT /api/v1/endpoints/:id/inspect` body. */
export class InspectSwitchBody {
  @ApiProperty({ description: "Capture this endpoint's exchanges on every proxy (until they restart)." })
  @IsBoolean()
  enabled!: boolean;
}

