"""Every Solveit* directive refuses a bad value at start-up with a message naming it."""

import pytest

BAD_VALUES = [
    ("SolveitKafkaBrokers", '"no-port-here"', "is not a comma-separated list of host:port"),
    ("SolveitKafkaBrokers", '"host:99999"', "is not a comma-separated list of host:port"),
    ("SolveitKafkaTopic", '"bad topic!"', "is not a valid Kafka topic name"),
    ("SolveitKafkaOption", "no.such.property=1", "No such configuration property"),
    ("SolveitKafkaOption", "acks", "is not key=value"),
    ("SolveitKafkaOption", "bootstrap.servers=h:1", "set the brokers with SolveitKafkaBrokers"),
    ("SolveitKafkaWait", "soon", "is not a number of milliseconds"),
    ("SolveitKafkaWait", "20000", "is not a number of milliseconds"),
    ("SolveitLanguages", "50 9999", "is not the id of an active Judge0 CE 1.13 language"),
    ("SolveitLanguages", "50 50", "listed twice"),
    ("SolveitMaxSourceSize", "0", "is not a size"),
    ("SolveitMaxSourceSize", "64X", "is not a size"),
    ("SolveitSubmissionRate", "ten", "is not a number of submissions per minute"),
    ("SolveitSubmissionRate", "10/hour", "the only period is /minute"),
    ("SolveitLoginAttempts", "0", "is not a positive number of failed logins"),
    ("SolveitAuth", "ldap", "is neither builtin nor external"),
    ("SolveitRegistration", "maybe", "must be On or Off"),
    ("SolveitStaff", '"bad<name"', "is not a valid user name"),
    ("SolveitSessionIdle", "forever", "is not a duration"),
    ("SolveitSessionLifetime", "0", "is not a duration"),
    ("SolveitBasePath", "solveit/", "must start with / and not end with /"),
    ("SolveitBasePath", '"/a b"', "may hold only letters"),
]


@pytest.mark.parametrize("directive,value,message", BAD_VALUES,
                         ids=["%s=%s" % (d, v) for d, v, _ in BAD_VALUES])
def test_bad_value_stops_httpd_with_the_directive_named(httpd_factory, directive, value, message):
    code, output = httpd_factory.check_config(replace={directive: value})
    assert code != 0
    assert directive in output
    assert message in output


def test_good_values_pass(httpd_factory):
    code, output = httpd_factory.check_config(extra="\n".join([
        "SolveitKafkaOption linger.ms=5 acks=all",
        "SolveitKafkaWait 250",
        "SolveitLanguages 50 54 62 71",
        "SolveitMaxSourceSize 128K",
        "SolveitSubmissionRate 20/minute",
        "SolveitLoginAttempts 5",
        "SolveitAuth builtin",
        "SolveitRegistration On",
        "SolveitStaff teacher alice",
        "SolveitSessionIdle 30m",
        "SolveitSessionLifetime 12h",
        "SolveitBasePath /judge",
    ]))
    assert code == 0, output


CROSS_CHECKS = [
    ({"SolveitKafkaBrokers": None}, "SolveitKafkaBrokers: not set"),
    ({"SolveitSessionIdle": "2h", "SolveitSessionLifetime": "1h"}, "SolveitSessionIdle: 7200 s is longer than"),
    ({"SolveitRegistration": "On", "SolveitAuth": "external"}, "SolveitRegistration: On needs SolveitAuth builtin"),
]


@pytest.mark.parametrize("replace,message", CROSS_CHECKS, ids=[m.split(":")[0] for _, m in CROSS_CHECKS])
def test_inconsistent_directives_refuse_start(httpd_factory, mpm, replace, message):
    started, output = httpd_factory.try_start(mpm=mpm, replace=replace)
    assert not started
    assert message in output


def test_kafka_directives_are_global_only(httpd_factory):
    code, output = httpd_factory.check_config(extra="<VirtualHost 127.0.0.1:1>\nSolveitKafkaTopic other\n</VirtualHost>")
    assert code != 0
    assert "SolveitKafkaTopic cannot occur within <VirtualHost> section" in output
