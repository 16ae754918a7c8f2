// The invitation mail's link: signed in with the invited address, one button joins.
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { orgs } from '../../app/orgs';
import { useSession } from '../../app/useSession';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';

export function AcceptInvitation() {
  const [params] = useSearchParams();
  const state = useSession();
  const [joined, setJoined] = useState<{ id: string; name: string } | null>(null);
  const accept = useAction(async () => {
    const org = await call(api.POST('/invitations/accept', { body: { token: params.get('token') ?? '' } }));
    // The header's switcher and the start page list it from now on.
    await orgs.reload().catch(() => undefined);
    setJoined({ id: org.id, name: org.name });
  });
  return (
    <Page title="Join an organization" narrow>
      {joined ? (
        <>
          <Notice>You joined {joined.name}.</Notice>
          <p>
            <Link to={`/orgs/${joined.id}`}>Open {joined.name}</Link>
          </p>
        </>
      ) : (
        <>
          <p>You were invited to an organization. Accept to join it as {state.status === 'signed-in' ? state.user.email : 'yourself'}.</p>
          <ProblemAlert problem={accept.problem} />
          <button type="button" className="primary" onClick={() => accept.start()} disabled={accept.pending}>
            Accept the invitation
          </button>
        </>
      )}
    </Page>
  );
}
