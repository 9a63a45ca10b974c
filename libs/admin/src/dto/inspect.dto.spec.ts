import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ListRequestsQuery } from './inspect.dto';

/** The messages the admin API's ValidationPipe (stopAtFirstError) would send for this query. */
async function messages(query: Record<string, string>): Promise<string[]> {
  const errors = await validate(plainToInstance(ListRequestsQuery, query), { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true });
  return errors.flatMap((e) => Object.values(e.constraints ?? {}));
}

describe('ListRequestsQuery limit', () => {
  it('says a limit that is not a number is not an integer, not that it is too large', async () => {
    expect(await messages({ limit: 'abc' })).toEqual(['limit must be an integer']);
    expect(await messages({ limit: '1.5' })).toEqual(['limit must be an integer']);
  });

  it('still bounds an integer limit to 1..1000', async () => {
    expect(await messages({ limit: '0' })).toEqual(['limit must not be less than 1']);
    expect(await messages({ limit: '1001' })).toEqual(['limit must not be greater than 1000']);
    expect(await messages({ limit: '1000' })).toEqual([]);
  });
});
