/**
 * The API's response shapes for the OpenAPI document. Each class `implements` its interface from
 * ../api, so the compiler keeps the document and the shapes the same; the classes are never
 * instantiated (controllers return plain objects).
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  ActionResponse,
  ApiErrorBody,
  ClusterResponse,
  EndpointDetailResponse,
  EndpointGateway,
  EndpointListResponse,
  EndpointSummary,
  GatewayAck,
  GoNode,
  GoNodeMetadata,
  NodeAddresses,
  NodeDetailResponse,
  NodeListResponse,
  NodeView,
  RequestRates,
  StateCounts,
  UnreachableNode,
  UpstreamListResponse,
  UpstreamView,
} from '../api';

const ROLES = ['proxy', 'gateway', 'admin'] as const;
const STATES = ['active', 'draining', 'left'] as const;

export class ApiErrorDoc implements ApiErrorBody {
  @ApiProperty({ example: 'limit must not be greater than 1000' }) error!: string;
  @ApiProperty({ enum: ['invalid_argument', 'unauthorized', 'not_found', 'conflict', 'rate_limited', 'unavailable', 'internal'] }) code!: ApiErrorBody['code'];
  @ApiPropertyOptional({ type: [String] }) details?: string[];
}

export class RequestRatesDoc implements RequestRates {
  @ApiProperty() requestsPerSecond!: number;
  @ApiProperty() errorsPerSecond!: number;
}

export class UnreachableNodeDoc implements UnreachableNode {
  @ApiProperty() node!: string;
  @ApiProperty({ example: 'timeout after 2000 ms' }) reason!: string;
}

export class NodeAddressesDoc implements NodeAddresses {
  @ApiPropertyOptional() proxy?: string;
  @ApiPropertyOptional() upstream?: string;
  @ApiPropertyOptional() relay?: string;
  @ApiPropertyOptional() admin?: string;
}

class NodeCountsDoc {
  @ApiProperty() endpoints!: number;
  @ApiProperty() upstreams!: number;
}

export class NodeViewDoc implements NodeView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ROLES }) role!: NodeView['role'];
  @ApiProperty({ enum: STATES }) state!: NodeView['state'];
  @ApiProperty({ type: NodeAddressesDoc }) addresses!: NodeAddresses;
  @ApiProperty({ type: String, nullable: true }) version!: string | null;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastHeartbeatAt!: string | null;
  @ApiProperty({ type: NodeCountsDoc }) counts!: { endpoints: number; upstreams: number };
  @ApiProperty({ type: RequestRatesDoc, nullable: true }) rates!: RequestRates | null;
}

export class NodeListDoc implements NodeListResponse {
  @ApiProperty({ type: [NodeViewDoc] }) nodes!: NodeView[];
}

export class NodeDetailDoc extends NodeViewDoc implements NodeDetailResponse {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { 'my-service': 2 } }) endpoints!: Record<string, number>;
}

export class EndpointSummaryDoc implements EndpointSummary {
  @ApiProperty() id!: string;
  @ApiProperty() upstreams!: number;
  @ApiProperty() gatewayCount!: number;
  @ApiProperty() requestsPerSecond!: number;
  @ApiProperty() errorsPerSecond!: number;
}

export class EndpointListDoc implements EndpointListResponse {
  @ApiProperty({ type: [EndpointSummaryDoc] }) endpoints!: EndpointSummary[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
  @ApiProperty() total!: number;
}

export class EndpointGatewayDoc implements EndpointGateway {
  @ApiProperty() node!: string;
  @ApiProperty({ enum: STATES }) state!: EndpointGateway['state'];
  @ApiProperty() upstreams!: number;
}

export class EndpointDetailDoc extends EndpointSummaryDoc implements EndpointDetailResponse {
  @ApiProperty({ type: [EndpointGatewayDoc] }) gateways!: EndpointGateway[];
}

export class UpstreamViewDoc implements UpstreamView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() endpointId!: string;
  @ApiProperty({ description: "The gateway's node ID." }) node!: string;
  @ApiProperty() remoteAddr!: string;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
  @ApiProperty({ type: String, nullable: true }) agentVersion!: string | null;
  @ApiProperty({ format: 'date-time' }) connectedAt!: string;
  @ApiProperty() openStreams!: number;
  @ApiProperty() bytesIn!: number;
  @ApiProperty() bytesOut!: number;
  @ApiProperty() requests!: number;
  @ApiProperty() retiring!: boolean;
}

export class UpstreamListDoc implements UpstreamListResponse {
  @ApiProperty({ type: [UpstreamViewDoc] }) upstreams!: UpstreamView[];
  @ApiProperty({ type: [UnreachableNodeDoc] }) unreachable!: UnreachableNode[];
}

export class GatewayAckDoc implements GatewayAck {
  @ApiProperty() node!: string;
  @ApiProperty() acted!: boolean;
  @ApiProperty() sessions!: number;
}

export class ActionResponseDoc implements ActionResponse {
  @ApiProperty({ enum: ['drain', 'disconnect-upstream', 'disconnect-endpoint'] }) action!: ActionResponse['action'];
  @ApiProperty() target!: string;
  @ApiProperty({ type: [GatewayAckDoc] }) gateways!: GatewayAck[];
  @ApiProperty({ type: [UnreachableNodeDoc] }) unreachable!: UnreachableNode[];
}

class StateCountsDoc implements StateCounts {
  @ApiProperty() active!: number;
  @ApiProperty() draining!: number;
  @ApiProperty() left!: number;
}

class ByRoleDoc {
  @ApiProperty({ type: StateCountsDoc }) proxy!: StateCounts;
  @ApiProperty({ type: StateCountsDoc }) gateway!: StateCounts;
  @ApiProperty({ type: StateCountsDoc }) admin!: StateCounts;
}

class ClusterNodesDoc {
  @ApiProperty() total!: number;
  @ApiProperty({ type: ByRoleDoc }) byRole!: ClusterResponse['nodes']['byRole'];
}

export class ClusterResponseDoc implements ClusterResponse {
  @ApiProperty({ type: ClusterNodesDoc }) nodes!: ClusterResponse['nodes'];
  @ApiProperty() endpoints!: number;
  @ApiProperty() upstreams!: number;
  @ApiProperty({ type: RequestRatesDoc }) rates!: RequestRates;
  @ApiProperty({ type: [UnreachableNodeDoc] }) unreachable!: UnreachableNode[];
}

export class GoNodeMetadataDoc implements GoNodeMetadata {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: STATES }) status!: GoNodeMetadata['status'];
  @ApiProperty() proxy_addr!: string;
  @ApiProperty() admin_addr!: string;
  @ApiProperty() endpoints!: number;
  @ApiProperty() upstreams!: number;
}

export class GoNodeDoc implements GoNode {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: STATES }) status!: GoNode['status'];
  @ApiProperty() proxy_addr!: string;
  @ApiProperty() admin_addr!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'integer' } }) endpoints?: Record<string, number>;
}
