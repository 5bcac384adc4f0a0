-- Skins and themes of the web console (host/console). The tables and the seed's three
-- skins come from 0001_core; the seed gave each skin three colours only, and its one
-- theme a primary colour that fails WCAG AA under white text (3.1:1). This fills in
-- the full palette the console themes itself with (every text colour at least 4.5:1
-- on its background and surface, input borders at least 3:1), and adds a theme per
-- skin. A skin's `css_variables` are applied as CSS custom properties as they are, so
-- a new skin needs no console code.

UPDATE ui_skins SET css_variables = '{"--color-scheme": "light", "--bg-color": "#ffffff", "--surface-color": "#f4f6f8", "--text-color": "#1f2933", "--text-secondary": "#52606d", "--border-color": "#8a94a0", "--primary-color": "#1a64a8", "--primary-contrast": "#ffffff", "--success-color": "#1d7a3a", "--warning-color": "#8a5300", "--danger-color": "#b42318", "--info-color": "#1a64a8", "--radius": "6px", "--font-family": "system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif"}' WHERE skin_name = 'light';
UPDATE ui_skins SET css_variables = '{"--color-scheme": "dark", "--bg-color": "#14171a", "--surface-color": "#1f2429", "--text-color": "#eef1f4", "--text-secondary": "#aeb7c0", "--border-color": "#6b7580", "--primary-color": "#6cb4f5", "--primary-contrast": "#0b1724", "--success-color": "#6fd08c", "--warning-color": "#f2c14e", "--danger-color": "#ff8a80", "--info-color": "#6cb4f5", "--radius": "6px", "--font-family": "system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif"}' WHERE skin_name = 'dark';
UPDATE ui_skins SET css_variables = '{"--color-scheme": "light", "--bg-color": "#f8f9fa", "--surface-color": "#ffffff", "--text-color": "#2c3e50", "--text-secondary": "#55606e", "--border-color": "#7d8793", "--primary-color": "#7a3d99", "--primary-contrast": "#ffffff", "--success-color": "#1d7a3a", "--warning-color": "#8a5300", "--danger-color": "#b42318", "--info-color": "#7a3d99", "--radius": "12px", "--font-family": "\"Inter\", system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif"}' WHERE skin_name = 'modern';

UPDATE ui_themes SET color_scheme = '{"primary": "#1a64a8", "secondary": "#1d7a3a", "success": "#1d7a3a", "danger": "#b42318"}' WHERE theme_name = 'Default Light';
INSERT INTO ui_themes (theme_id, theme_name, base_skin_id, color_scheme)
SELECT gen_random_uuid(), 'Default Dark', skin_id, '{"primary": "#6cb4f5", "secondary": "#6fd08c", "success": "#6fd08c", "danger": "#ff8a80"}'
FROM ui_skins WHERE skin_name = 'dark';
INSERT INTO ui_themes (theme_id, theme_name, base_skin_id, color_scheme)
SELECT gen_random_uuid(), 'Modern', skin_id, '{"primary": "#7a3d99", "secondary": "#1d7a3a", "success": "#1d7a3a", "danger": "#b42318"}'
FROM ui_skins WHERE skin_name = 'modern';

-- 0002 granted every table of the schema; said again for these, which the server reads
-- and writes as eoex_app.
GRANT SELECT ON ui_skins, ui_themes TO eoex_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON user_ui_preferences TO eoex_app;
