import sqlalchemy as sa


def test_pg_url_gives_an_isolated_schema(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE probe (id int primary key)"))
        conn.execute(sa.text("INSERT INTO probe VALUES (1)"))
        schema = conn.execute(sa.text("select current_schema()")).scalar_one()
        assert schema.startswith("t_")
        assert conn.execute(sa.text("select count(*) from probe")).scalar_one() == 1
    engine.dispose()
