import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { ExchangeListResponse, ExchangeRecord, InspectStateResponse, ReplayResponse } from '@piko/inspect';
import { EndpointIdParams } from '../dto/id.params';
import { InspectSwitchBody, ListRequestsQuery, ReplayRequestBody, RequestIdParams } from '../dto/inspect.dto';
import { ApiErrorDoc } from '../openapi/response-docs';
import { ExchangeListDoc, ExchangeRecordDoc, InspectStateDoc, ReplayResponseDoc } from '../openapi/inspect-docs';
import { InspectGather } from '../service/inspect-gather';
import { RefuseQueryGuard } from './refuse-query.guard';

/**
 * Traffic inspection (docs/admin-api.md "Traffic inspection"): the exchanges proxies captured,
 * one in full, a replay, and the per-endpoint switch. Reads follow admin.api.public_read; the
 * replay and the switch are actions (POST, PUT): admin.auth always applies to them.
 */
@ApiTags('inspection')
@Controller('api/v1')
export class InspectController {
  constructor(private readonly gather: InspectGather) {}

  @Get('endpoints/:id/requests')
  @ApiOperation({ summary: "An endpoint's captured exchanges from every proxy, newest first (filters: status, method, path_prefix, since, until, limit)" })
  @ApiOkResponse({ type: ExchangeListDoc })
  requests(@Param() { id }: EndpointIdParams, @Query() query: ListRequestsQuery): Promise<ExchangeListResponse> {
    return this.gather.list(id, query);
  }

  @Get('requests/:id')
  @UseGuards(RefuseQueryGuard)
  @ApiOperation({ summary: 'One captured exchange in full: heads (redacted) and the bodies kept' })
  @ApiOkResponse({ type: ExchangeRecordDoc })
  @ApiNotFoundResponse({ type: ApiErrorDoc })
  @ApiServiceUnavailableResponse({ type: ApiErrorDoc, description: 'The proxy that captured it did not answer.' })
  request(@Param() { id }: RequestIdParams): Promise<ExchangeRecord> {
    return this.gather.get(id);
  }

  @Post('requests/:id/replay')
  @UseGuards(RefuseQueryGuard)
  @HttpCode(201)
  @ApiOperation({ summary: 'Send a captured request again (optionally edited) through the proxy that captured it; the new exchange is captured with replay_of' })
  @ApiCreatedResponse({ type: ReplayResponseDoc })
  @ApiNotFoundResponse({ type: ApiErrorDoc })
  @ApiConflictResponse({ type: ApiErrorDoc, description: 'The request body was not captured in full (or it is not an HTTP request).' })
  @ApiTooManyRequestsResponse({ type: ApiErrorDoc, description: 'More replays than admin.api.replay_rate allows (code rate_limited; Retry-After in seconds).' })
  @ApiServiceUnavailableResponse({ type: ApiErrorDoc, description: 'The proxy did not answer, or the replay failed (timeout, no endpoint).' })
  replay(@Param() { id }: RequestIdParams, @Body() body: ReplayRequestBody): Promise<ReplayResponse> {
    return this.gather.replay(id, { ...body });
  }

  @Get('endpoints/:id/inspect')
  @UseGuards(RefuseQueryGuard)
  @ApiOperation({ summary: "Whether the endpoint's exchanges are captured (on any proxy)" })
  @ApiOkResponse({ type: InspectStateDoc })
  inspectState(@Param() { id }: EndpointIdParams): Promise<InspectStateResponse> {
    return this.gather.state(id);
  }

  @Put('endpoints/:id/inspect')
  @UseGuards(RefuseQueryGuard)
  @ApiOperation({ summary: "Switch capturing the endpoint's exchanges on or off on every proxy (off forgets its captures)" })
  @ApiOkResponse({ type: InspectStateDoc })
  @ApiServiceUnavailableResponse({ type: ApiErrorDoc, description: 'No proxy answered.' })
  setInspect(@Param() { id }: EndpointIdParams, @Body() body: InspectSwitchBody): Promise<InspectStateResponse> {
    return this.gather.state(id, body.enabled);
  }
}
