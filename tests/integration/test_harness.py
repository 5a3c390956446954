"""The harness itself: the private broker accepts MQTT and survives a restart."""
import paho.mqtt.client as mqtt
import threading


def roundtrip(port, topic, payload):
    got = threading.Event()
    seen = []
    c = mqtt.Client()

    def on_message(_c, _u, msg):
        seen.append(msg.payload)
        got.set()

    def on_connect(cl, _u, _f, rc):
        assert rc == 0
        cl.subscribe(topic, qos=1)
        cl.publish(topic, payload, qos=1)

    c.on_message = on_message
    c.on_connect = on_connect
    c.connect("127.0.0.1", port)
    c.loop_start()
    try:
        assert got.wait(5), "no message came back from the broker"
    finally:
        c.loop_stop()
        c.disconnect()
    return seen[0]


def test_private_broker_roundtrip(broker):
    assert broker.port != 1883
    assert roundtrip(broker.port, "decran/test/ping", b"hello") == b"hello"


def test_private_broker_restart(broker):
    broker.restart()
    assert roundtrip(broker.port, "decran/test/again", b"x") == b"x"
