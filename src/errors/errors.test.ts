/** The typed errors: user-caused ones carry their HTTP status; an InternalError is a bug, answered as a generic 500. */
import { toProblem } from '../server/problem';
import { DataError, GauntletError, InternalError, ModelError, UnsupportedOpError, UsageError } from './index';

describe('errors', () => {
  it('when the model, its ops or the data are rejected, then 422; bad arguments 400', () => {
    expect([new ModelError('m'), new UnsupportedOpError('o'), new DataError('d'), new UsageError('u')].map((e) => [e.code, e.httpStatus, e.operational]))
      .toEqual([['invalid_model', 422, true], ['unsupported_op', 422, true], ['invalid_data', 422, true], ['usage', 400, true]]);
  });

  it('when an invariant fails, then an InternalError: a non-operational GauntletError whose problem document hides the message', () => {
    const e = new InternalError('registry: op Relu registered twice');
    expect(e).toBeInstanceOf(GauntletError);
    expect({ name: e.name, code: e.code, status: e.httpStatus, operational: e.operational }).toEqual({ name: 'InternalError', code: 'internal', status: 500, operational: false });
    const p = toProblem(e);
    expect({ status: p.status, code: p.code }).toEqual({ status: 500, code: 'internal' });
    expect(p.detail).not.toContain('registry');
  });
});
