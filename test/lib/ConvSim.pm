
=pod

=head1 NAME

ConvSim - run conv-sim, the vendor simulator, from a TAP test

=head1 SYNOPSIS

  use ConvSim;

  my $sim = ConvSim->start(calls => 500, seed => 7);
  my $res = $sim->get('/api/ev/2/calls?since=2026-01-01T00:00Z&limit=5',
	  user => 'ev-user', password => 'ev-secret');
  is($res->{status}, 200);
  my $mark = $sim->log_mark;
  ...                                 # let conv_fdw make some requests
  my @requests = $sim->log_since($mark);
  $sim->stop;

=head1 DESCRIPTION

Starts its own conv-sim process on ephemeral ports, plain http and https,
and talks to it.  The binary is $ENV{CONV_SIM_BIN}.  The test certificates
come from $ENV{CONV_SIM_CERT_DIR} when that directory has a ca.pem, or are
made in a directory of the simulator's own by gen-certs.sh
($ENV{CONV_SIM_GEN_CERTS}, or gen-certs.sh next to the binary).
scripts/test.sh sets all three.

The simulator is stopped by stop(), and also when the object goes away, so
a test that dies does not leave it running.

=cut

package ConvSim;

use strict;
use warnings;

use Carp;
use File::Basename qw(dirname);
use File::Temp ();
use HTTP::Tiny;
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Time::HiRes qw(sleep time);

# How long to wait for the simulator to start or stop, in seconds.
my $start_timeout = 60;
my $stop_timeout  = 10;

# Options of start() that are not conv-sim flags.
my %own_options = map { $_ => 1 } qw(extra https cert_dir timeout);

=pod

=head1 METHODS

=over

=item ConvSim->start(%opts)

Start a simulator and wait until it is healthy.  Each option other than
those below becomes a flag: C<< calls => 500 >> is C<--calls 500>,
C<< execvision_username => 'u' >> is C<--execvision-username u>, and a value
of undef makes a flag without a value.

=over

=item extra => [ ... ]

More command-line arguments, passed as given.

=item https => 0

Run without https (default: with).

=item cert_dir => DIR

Certificate directory to use (made with gen-certs.sh if it has no ca.pem).

=item timeout => SECONDS

How long to wait for the simulator to become healthy (default 60).

=back

=cut

sub start
{
	my ($class, %opts) = @_;

	my $bin = $ENV{CONV_SIM_BIN}
	  or croak 'CONV_SIM_BIN is not set (scripts/test.sh sets it)';
	croak "conv-sim binary $bin is not executable" unless -x $bin;

	my $dir = _work_dir();
	my $https = $opts{https} // 1;
	my $self = bless {
		dir       => $dir,
		port_file => "$dir/ports",
		log_file  => "$dir/requests.log",
		out_file  => "$dir/conv-sim.out",
		cert_dir  => _cert_dir($bin, $dir, $opts{cert_dir}),
		https     => $https,
		owner_pid => $$,
	}, $class;

	my @cmd = (
		$bin,
		'--http-port' => 0,
		'--port-file' => $self->{port_file},
		'--log'       => $self->{log_file},
		'--cert-dir'  => $self->{cert_dir});
	push @cmd, '--https-port' => 0 if $https;
	foreach my $key (sort keys %opts)
	{
		next if $own_options{$key};
		(my $flag = "--$key") =~ tr/_/-/;
		push @cmd, $flag;
		push @cmd, $opts{$key} if defined $opts{$key};
	}
	push @cmd, @{ $opts{extra} // [] };
	$self->{command} = \@cmd;

	$self->_spawn;
	$self->_wait_until_healthy($opts{timeout} // $start_timeout);
	return $self;
}

# Make a directory for the simulator's files: under the TAP run's
# tmp_check when PostgreSQL::Test::Utils is loaded, so that its logs are
# kept with the nodes' logs; else a temporary directory.
sub _work_dir
{
	no warnings 'once';
	my $tmp_check = $PostgreSQL::Test::Utils::tmp_check;

	return File::Temp::tempdir('conv_sim_XXXXXX', DIR => $tmp_check)
	  if defined $tmp_check && -d $tmp_check;
	return File::Temp::tempdir('conv_sim_XXXXXX', TMPDIR => 1, CLEANUP => 1);
}

# Return a certificate directory with ca.pem, server.pem and
# server-key.pem, running gen-certs.sh when the chosen one has no ca.pem.
sub _cert_dir
{
	my ($bin, $dir, $wanted) = @_;

	my $cert_dir = $wanted;
	$cert_dir //= $ENV{CONV_SIM_CERT_DIR}
	  if defined $ENV{CONV_SIM_CERT_DIR} && -f "$ENV{CONV_SIM_CERT_DIR}/ca.pem";
	$cert_dir //= "$dir/certs";
	return $cert_dir if -f "$cert_dir/ca.pem";

	my $gen = $ENV{CONV_SIM_GEN_CERTS} // dirname($bin) . '/gen-certs.sh';
	# its output goes to a file: on STDOUT it would mix with the TAP stream
	system("bash \Q$gen\E \Q$cert_dir\E >\Q$dir/gen-certs.log\E 2>&1") == 0
	  or croak "$gen $cert_dir failed (exit status $?), see $dir/gen-certs.log";
	croak "$gen did not create $cert_dir/ca.pem" unless -f "$cert_dir/ca.pem";
	return $cert_dir;
}

# Start the simulator process, its output going to out_file.
sub _spawn
{
	my ($self) = @_;

	my $pid = fork;
	croak "fork failed: $!" unless defined $pid;
	if ($pid == 0)
	{
		open(STDIN, '<', '/dev/null') or POSIX::_exit(126);
		open(STDOUT, '>', $self->{out_file}) or POSIX::_exit(126);
		open(STDERR, '>&', \*STDOUT) or POSIX::_exit(126);
		{
			no warnings 'exec';	# we report the failure ourselves
			exec { $self->{command}[0] } @{ $self->{command} };
		}
		print STDERR "exec $self->{command}[0] failed: $!\n";
		POSIX::_exit(127);
	}
	$self->{pid} = $pid;
	return;
}

# Has the simulator process exited?  Reaps it if so.
sub _exited
{
	my ($self) = @_;

	return 1 unless defined $self->{pid};
	return 0 if waitpid($self->{pid}, POSIX::WNOHANG) == 0;
	$self->{exit_status} = $?;
	delete $self->{pid};
	return 1;
}

# Read the port file into http_port and https_port; false until it has
# every port asked for.
sub _read_ports
{
	my ($self) = @_;

	open(my $fh, '<', $self->{port_file}) or return 0;
	while (my $line = <$fh>)
	{
		$self->{"${1}_port"} = $2 if $line =~ /^(https?)=(\d+)\s*$/;
	}
	close $fh;
	return defined $self->{http_port}
	  && (!$self->{https} || defined $self->{https_port});
}

# Wait until the port file is written and GET /_admin/health answers 200;
# die with the simulator's output if it exits or takes too long.
sub _wait_until_healthy
{
	my ($self, $timeout) = @_;

	my $deadline = time + $timeout;
	while (time < $deadline)
	{
		if ($self->_exited)
		{
			croak sprintf("conv-sim exited during startup (status %d):\n%s",
				$self->{exit_status} >> 8, $self->output);
		}
		if ($self->_read_ports)
		{
			my $res = $self->get('/_admin/health');
			return if $res->{status} == 200;
		}
		sleep 0.05;
	}
	$self->stop;
	croak "conv-sim did not become healthy within $timeout s:\n"
	  . $self->output;
}

=pod

=item $sim->url, $sim->tls_url, $sim->ca_file

The plain http address (C<http://127.0.0.1:PORT>), the https one
(C<https://localhost:PORT>, matching the test certificate) and the CA
certificate that verifies it.

=item $sim->http_port, $sim->https_port, $sim->log_file, $sim->pid

What they say.

=cut

sub url { my ($self) = @_; return "http://127.0.0.1:$self->{http_port}"; }

sub tls_url
{
	my ($self) = @_;
	croak 'this simulator runs without https' unless $self->{https};
	return "https://localhost:$self->{https_port}";
}

sub ca_file    { my ($self) = @_; return "$self->{cert_dir}/ca.pem"; }
sub http_port  { my ($self) = @_; return $self->{http_port}; }
sub https_port { my ($self) = @_; return $self->{https_port}; }
sub log_file   { my ($self) = @_; return $self->{log_file}; }
sub pid        { my ($self) = @_; return $self->{pid}; }

=pod

=item $sim->output

What the simulator printed to stdout and stderr so far.

=cut

sub output
{
	my ($self) = @_;

	open(my $fh, '<', $self->{out_file}) or return '';
	local $/;
	my $text = <$fh>;
	close $fh;
	return $text // '';
}

# An HTTP::Tiny that ignores proxy settings (every request goes to this
# machine) and verifies https with the test CA.
sub _http
{
	my ($self) = @_;

	$self->{http} //= HTTP::Tiny->new(
		agent       => 'ConvSim.pm',
		timeout     => 30,
		proxy       => undef,
		http_proxy  => undef,
		https_proxy => undef,
		verify_SSL  => 1,
		SSL_options => { SSL_ca_file => $self->ca_file });
	return $self->{http};
}

# Turn an HTTP::Tiny response into {status, headers, content, json}; json
# is the decoded body when the response says it is JSON and it parses.
sub _result
{
	my ($res) = @_;

	my %result = (
		status  => $res->{status},
		reason  => $res->{reason},
		headers => $res->{headers},
		content => $res->{content} // '');
	my $type = $res->{headers}{'content-type'} // '';
	if ($type =~ m{\bjson\b}i && length $result{content})
	{
		$result{json} =
		  eval { JSON::PP->new->allow_nonref->decode($result{content}) };
	}
	return \%result;
}

=pod

=item $sim->get($path_and_query, %opts)

GET a path of the simulator, e.g. C</api/ev/2/users>.  Options:
C<< user => ..., password => ... >> for HTTP Basic auth,
C<< token => ... >> for a bearer token, C<< tls => 1 >> to go through
https, C<< headers => {...} >> for more request headers.  Returns a hash:
status, reason, headers (lower-case names), content, and json (the decoded
body, when it is JSON).  Status 599 means the request did not get an answer
(HTTP::Tiny's convention); content then says why.

=cut

sub get
{
	my ($self, $path, %opts) = @_;

	return $self->request('GET', $path, %opts);
}

=pod

=item $sim->get_json($path_and_query, %opts)

Like get, but dies unless the answer is a 200 with a JSON body, which it
returns decoded: for tests that only want the data.

=cut

sub get_json
{
	my ($self, $path, %opts) = @_;

	my $res = $self->get($path, %opts);
	croak "GET $path: $res->{status} $res->{content}"
	  unless $res->{status} == 200 && defined $res->{json};
	return $res->{json};
}

=pod

=item $sim->request($method, $path_and_query, %opts)

Like get, for any method; C<< body => ... >> sends a request body (a
reference is sent as JSON).

=cut

sub request
{
	my ($self, $method, $path, %opts) = @_;

	my %headers = %{ $opts{headers} // {} };
	if (defined $opts{user})
	{
		$headers{Authorization} = 'Basic '
		  . encode_base64("$opts{user}:" . ($opts{password} // ''), '');
	}
	$headers{Authorization} = "Bearer $opts{token}" if defined $opts{token};

	my %args = (headers => \%headers);
	if (exists $opts{body})
	{
		my $body = $opts{body};
		if (ref $body)
		{
			$body = JSON::PP->new->canonical->encode($body);
			$headers{'Content-Type'} //= 'application/json';
		}
		$args{content} = $body;
	}

	my $base = $opts{tls} ? $self->tls_url : $self->url;
	return _result($self->_http->request($method, $base . $path, \%args));
}

=pod

=item $sim->admin($method, $path, $json_body)

Call the simulator's admin API: C<$path> is relative to C</_admin/> (a
leading C</_admin/> is accepted too) and C<$json_body>, if given, is sent
as JSON.  Returns what get returns.

=cut

sub admin
{
	my ($self, $method, $path, $body) = @_;

	$path =~ s{^/?(_admin/)?}{/_admin/};
	return $self->request(uc $method, $path,
		defined $body ? (body => $body) : ());
}

=pod

=item $sim->log_mark, $sim->log_since($mark)

log_mark returns the number of lines in the request log now; log_since
returns the log entries written after that mark, decoded from JSON (hashes
with t, vendor, method, path, query, status, bytes, queue_wait_ms).

=cut

# Read the request log's lines (complete lines only: the simulator may be
# writing the last one right now).
sub _log_lines
{
	my ($self) = @_;

	open(my $fh, '<', $self->{log_file}) or return ();
	local $/;
	my $text = <$fh> // '';
	close $fh;
	$text =~ s/[^\n]*\z//;
	return split /\n/, $text;
}

sub log_mark
{
	my ($self) = @_;
	my @lines = $self->_log_lines;
	return scalar @lines;
}

sub log_since
{
	my ($self, $mark) = @_;

	my @lines = $self->_log_lines;
	my $json  = JSON::PP->new;
	return map { $json->decode($_) } @lines[ ($mark // 0) .. $#lines ];
}

=pod

=item $sim->stop

Stop the simulator (SIGTERM, then SIGKILL after 10 seconds) and wait for
it.  Calling it again does nothing.

=back

=cut

sub stop
{
	my ($self) = @_;

	# a forked child (e.g. of IPC::Run) must not stop its parent's simulator
	return if $$ != $self->{owner_pid};
	return if $self->_exited;

	kill 'TERM', $self->{pid};
	my $deadline = time + $stop_timeout;
	while (!$self->_exited)
	{
		if (time > $deadline)
		{
			kill 'KILL', $self->{pid};
			waitpid($self->{pid}, 0);
			delete $self->{pid};
			last;
		}
		sleep 0.05;
	}
	return;
}

sub DESTROY
{
	my ($self) = @_;

	local ($., $@, $!, $^E, $?);
	$self->stop;
	return;
}

1;
