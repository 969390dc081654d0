-- demo/setup.sql: what a data engineer does once per database.
-- scripts/demo.sh runs it with psql -a; the simulator's address, its CA
-- certificate and credentials come from the environment.
\getenv sim_url CONV_SIM_TLS_URL
\getenv sim_ca CONV_SIM_CA
\getenv ev_user CONV_SIM_EV_USER
\getenv ev_password CONV_SIM_EV_PASSWORD

CREATE EXTENSION conv_fdw;

-- The simulator stands in for https://<company>.execvision.io; its
-- certificate is signed by a test CA, so the server names that CA.
CREATE SERVER ev FOREIGN DATA WRAPPER conv_fdw
  OPTIONS (vendor 'execvision', base_url :'sim_url', ca_file :'sim_ca');

-- Credentials live only in the user mapping.
CREATE USER MAPPING FOR CURRENT_USER SERVER ev
  OPTIONS (username :'ev_user', password :'ev_password');
