/**
 * Traffic inspection's response shapes for the OpenAPI document (see response-docs.ts: each class
 * `implements` its interface from @piko/inspect, so the document and the shapes stay the same).
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  CapturedBody,
  ExchangeListResponse,
  ExchangeRecord,
  ExchangeSummary,
  InspectStateResponse,
  ReplayResponse,
} from '@piko/inspect';

const HEADERS = {
  type: 'array',
  items: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 },
  description: 'Header fields in the order sent, names as sent; redacted values are "[redacted]".',
  example: [['Content-Type', 'application/json'], ['Authorization', '[redacted]']],
} as const;

export class CapturedBodyDoc implements CapturedBody {
  @ApiProperty({ description: 'Total body bytes seen on the wire (after de-chunking), kept or not.' }) size!: number;
  @ApiProperty({ description: 'Base64 of the first proxy.inspect.body_bytes bytes kept ("" when none).', format: 'byte' }) kept!: string;
  @ApiProperty({ description: 'size is larger than what was kept.' }) truncated!: boolean;
  @ApiPropertyOptional({ enum: ['content_type', 'stream'], description: 'Why nothing was kept.' }) omitted?: CapturedBody['omitted'];
}

class CapturedMessageDoc {
  @ApiProperty(HEADERS) headers!: Array<[string, string]>;
  @ApiProperty({ type: CapturedBodyDoc }) body!: CapturedBody;
}

class CapturedResponseDoc extends CapturedMessageDoc {
  @ApiProperty({ example: 'Created', description: 'The reason phrase of the status line the client got ("" when none).' }) reason!: string;
}

class ExchangeErrorDoc {
  @ApiProperty({ example: 502 }) status!: number;
  @ApiProperty({ example: 'upstream unreachable' }) cause!: string;
}

export class ExchangeSummaryDoc implements ExchangeSummary {
  @ApiProperty({ example: 'proxy-k3x9q2a.42', description: '`<proxy_node>.<sequence>`' }) id!: string;
  @ApiProperty({ example: 'my-service' }) endpoint_id!: string;
  @ApiProperty({ description: 'The proxy that captured it (and replays it).' }) proxy_node!: string;
  @ApiPropertyOptional({ description: 'The gateway that served it.' }) gateway_node?: string;
  @ApiProperty({ enum: ['http', 'websocket', 'sse', 'tcp'] }) kind!: ExchangeSummary['kind'];
  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiProperty({ example: '203.0.113.9' }) client_addr!: string;
  @ApiProperty({ description: '"" for tcp' }) method!: string;
  @ApiProperty({ description: 'The request-target as received, query included ("" for tcp).' }) target!: string;
  @ApiProperty({ description: 'Final status; 0 for none (tcp, or the client went away).' }) status!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'ms to the first response byte' }) ttfb_ms!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'ms to the end; null while a stream is open' }) total_ms!: number | null;
  @ApiProperty({ description: 'Request body bytes (a connection: bytes from the client).' }) bytes_in!: number;
  @ApiProperty({ description: 'Response body bytes (a connection: bytes to the client).' }) bytes_out!: number;
  @ApiPropertyOptional({ type: ExchangeErrorDoc, description: 'An answer Piko made itself (502, 504…) and why.' }) error?: { status: number; cause: string };
  @ApiPropertyOptional({ description: 'The id of the exchange this one replays.' }) replay_of?: string;
  @ApiProperty({ description: 'The whole request body was captured: it can be replayed.' }) replayable!: boolean;
}

export class ExchangeRecordDoc extends ExchangeSummaryDoc implements ExchangeRecord {
  @ApiProperty({ example: '1.1' }) http_version!: string;
  @ApiProperty({ type: CapturedMessageDoc }) request!: ExchangeRecord['request'];
  @ApiProperty({ type: CapturedResponseDoc, nullable: true }) response!: ExchangeRecord['response'];
}

export class ExchangeListDoc implements ExchangeListResponse {
  @ApiProperty({ type: [ExchangeSummaryDoc], description: 'Newest first.' }) requests!: ExchangeSummary[];
  @ApiProperty({ type: [String], description: 'Proxies that did not answer in time.' }) unreachable_nodes!: string[];
  @ApiProperty({ description: 'Opaque; GET /api/v1/events?cursor= sends every capture added or changed since this list.' }) cursor!: string;
}

export class ReplayResponseDoc implements ReplayResponse {
  @ApiProperty() original_id!: string;
  @ApiProperty({ type: ExchangeRecordDoc }) replay!: ExchangeRecord;
}

export class InspectStateDoc implements InspectStateResponse {
  @ApiProperty() endpoint_id!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ enum: ['config', 'runtime'] }) source!: InspectStateResponse['source'];
  @ApiProperty({ type: [String], description: 'Proxies that did not answer in time.' }) unreachable_nodes!: string[];
}
