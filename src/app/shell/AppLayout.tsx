/**
 * The frame of every page: a compact header with the navigation (it fits a 360 px chart iframe) and the
 * page below. Links are plain anchors through the router, so the keyboard reaches every one in order.
 */
import { Anchor, Box, Group, Text } from '@mantine/core';
import type { JSX } from 'react';
import { NavLink, Outlet } from 'react-router';
import { useCareloopSession } from '../session/SessionContext';

const LINK_STYLE = ({ isActive }: { isActive: boolean }): React.CSSProperties => ({
  fontWeight: isActive ? 700 : 400,
  textDecoration: isActive ? 'underline' : 'none',
});

/** Header with navigation, then the routed page. */
export function AppLayout(): JSX.Element {
  const { ehrPatientId } = useCareloopSession();
  const links = [
    ...(ehrPatientId ? [{ to: '/', label: 'Patient', end: true }] : []),
    { to: '/worklist', label: 'Worklist', end: false },
    { to: '/reports', label: 'Reports', end: false },
    { to: '/library', label: 'Workflows', end: false },
  ];
  return (
    <Box>
      <Box
        component="header"
        px="sm"
        py={6}
        style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}
      >
        <Group justify="space-between" gap="xs" wrap="wrap">
          <Text fw={700} c="teal.9">
            Careloop
          </Text>
          <Group component="nav" aria-label="Careloop" gap="sm" wrap="wrap">
            {links.map((l) => (
              <Anchor key={l.to} component={NavLink} to={l.to} end={l.end} size="sm" style={LINK_STYLE}>
                {l.label}
              </Anchor>
            ))}
          </Group>
        </Group>
      </Box>
      <Box component="main" p="sm">
        <Outlet />
      </Box>
    </Box>
  );
}
