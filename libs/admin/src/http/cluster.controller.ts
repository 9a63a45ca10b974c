import { BadRequestException, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { RefuseQueryGuard } from './refuse-query.guard';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type {
  ActionResponse,
  ClusterResponse,
  EndpointDetailResponse,
  EndpointListResponse,
  NodeDetailResponse,
  NodeListResponse,
  UpstreamListResponse,
} from '../api';
import { EndpointIdParams, NodeIdParams, UpstreamIdParams } from '../dto/id.params';
import { ListEndpointsQuery } from '../dto/list-endpoints.query';
import { ListUpstreamsQuery } from '../dto/list-upstreams.query';
import {
  ActionResponseDoc,
  ApiErrorDoc,
  ClusterResponseDoc,
  EndpointDetailDoc,
  EndpointListDoc,
  NodeDetailDoc,
  NodeListDoc,
  UpstreamListDoc,
} from '../openapi/response-docs';
import { ClusterActions } from '../service/cluster-actions';
import { ClusterReader } from '../service/cluster-reader';
import { endpointPage, InvalidCursorError } from '../service/endpoint-page';

/** The cluster API, `/api/v1` (docs/admin-api.md). Inputs are validated by the global ValidationPipe. */
@ApiTags('cluster')
@ApiBadRequestResponse({ type: ApiErrorDoc, description: 'Invalid input: `code` is `invalid_argument`, `details` lists each problem.' })
@Controller('api/v1')
export class ClusterController {
  constructor(
    private readonly reader: ClusterReader,
    private readonly actions: ClusterActions,
  ) {}

  @Get('cluster')
  @UseGuards(RefuseQueryGuard)
  @ApiOperation({ summary: 'Node counts by role and state, endpoints, upstreams, request and error rates' })
  @ApiOkResponse({ type: ClusterResponseDoc })
  cluster(): Promise<ClusterResponse> {
    return this.reader.cluster();
  }

  @Get('nodes')
  @UseGuards(RefuseQueryGuard)
  @ApiOperation({ summary: 'Every node (live, and those that left within admin.api.left_node_retention)' })
  @ApiOkResponse({ type: NodeListDoc })
  async nodes(): Promise<NodeListResponse> {
    return { nodes: await this.reader.nodes() };
  }

  @Get('nodes/:id')
  @UseGuards(RefuseQueryGuard)
  @ApiOperation({ summary: 'One node, with its upstream count per endpoint' })
  @ApiOkResponse({ type: NodeDetailDoc })
  @ApiNotFoundResponse({ type: ApiErrorDoc })
  async node(@Param() { id }: NodeIdParams): Promise<NodeDetailResponse> {
    const node = await this.reader.node(id);
    if (!node) throw new NotFoundException(`no node ${id}`);
    return node;
  }

  @Post('nodes/:id/drain')
  @UseGuards(RefuseQueryGuard)
  @HttpCode(200)
  @ApiOperation({ summary: 'Drain a gateway: draining in the registry, new upstreams refused, go-away to its upstreams' })
  @ApiOkResponse({ type: ActionResponseDoc })
  @ApiNotFoundResponse({ type: ApiErrorDoc })
  drain(@Param() { id }: NodeIdParams): Promise<ActionResponse> {
    return this.actions.drain(id);
  }

  @Get('endpoints')
  @ApiOperation({ summary: 'Endpoints: prefix filter, sorting, cursor pagination' })
  @ApiOkResponse({ type: EndpointListDoc })
  async endpoints(@Query() query: ListEndpointsQuery): Promise<EndpointListResponse> {
    const order = query.order ?? (query.sort === 'id' ? 'asc' : 'desc');
    try {
      return endpointPage(await this.reader.endpoints(), { ...query, order });
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new BadRequestException(err.message);
      throw err;
    }
  }

  @Get('endpoints/:id')
  @UseGuards(RefuseQueryGuard)
  @ApiOperation({ summary: 'One endpoint: its gateways, upstream counts and recent request rate' })
  @ApiOkResponse({ type: EndpointDetailDoc })
  @ApiNotFoundResponse({ type: ApiErrorDoc })
  async endpoint(@Param() { id }: EndpointIdParams): Promise<EndpointDetailResponse> {
    const endpoint = await this.reader.endpoint(id);
    if (!endpoint) throw new NotFoundException(`no endpoint ${id}`);
    return endpoint;
  }

  @Post('endpoints/:id/disconnect')
  @UseGuards(RefuseQueryGuard)
  @HttpCode(200)
  @ApiOperation({ summary: 'Go-away to every upstream session of the endpoint, on every gateway' })
  @ApiOkResponse({ type: ActionResponseDoc })
  @ApiNotFoundResponse({ type: ApiErrorDoc })
  disconnectEndpoint(@Param() { id }: EndpointIdParams): Promise<ActionResponse> {
    return this.actions.disconnectEndpoint(id);
  }

  @Get('upstreams')
  @ApiOperation({ summary: 'Live upstream sessions, asked of every gateway over NATS (unreachable gateways listed)' })
  @ApiOkResponse({ type: UpstreamListDoc })
  upstreams(@Query() query: ListUpstreamsQuery): Promise<UpstreamListResponse> {
    return this.actions.upstreams(query);
  }

  @Delete('upstreams/:id')
  @UseGuards(RefuseQueryGuard)
  @ApiOperation({ summary: 'Go-away to one upstream session' })
  @ApiOkResponse({ type: ActionResponseDoc })
  @ApiNotFoundResponse({ type: ApiErrorDoc })
  disconnectUpstream(@Param() { id }: UpstreamIdParams): Promise<ActionResponse> {
    return this.actions.disconnectUpstream(id);
  }
}
