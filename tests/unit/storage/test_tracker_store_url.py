from bot.storage.tracker_store import url_to_kwargs


def test_sqlite_url_becomes_a_db_path_and_its_folder_is_made(tmp_path):
    db = tmp_path / "nested" / "unknot.db"
    assert url_to_kwargs(f"sqlite:///{db}") == {"dialect": "sqlite", "db": str(db)}
    assert db.parent.is_dir()


def test_postgres_url_is_split_into_parts():
    kwargs = url_to_kwargs("postgresql://unknot:s3cret@127.0.0.1:5433/unknot?sslmode=disable")
    assert kwargs == {"dialect": "postgresql", "db": "unknot", "host": "127.0.0.1", "port": 5433,
                      "username": "unknot", "password": "s3cret", "query": {"sslmode": "disable"}}


def test_login_db_lets_rasa_create_the_database():
    kwargs = url_to_kwargs("postgresql://u@127.0.0.1/unknot?login_db=postgres")
    assert kwargs["login_db"] == "postgres" and "query" not in kwargs
