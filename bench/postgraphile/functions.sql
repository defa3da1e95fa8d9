-- What PostGraphile needs to answer the benchmark's signed-in shapes and
-- mutations the way our service does. Applied to the throwaway benchmark
-- database only; PostGraphile exposes each function in its schema.

-- The signed-in user: the `sub` claim of the verified JWT (PgLazyJWTPreset).
CREATE FUNCTION current_user_id() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('jwt.claims.sub', true), '')::bigint
$$;

-- Query.viewerFeed: articles by the users the viewer follows, newest first.
CREATE FUNCTION viewer_feed() RETURNS SETOF articles LANGUAGE sql STABLE AS $$
    SELECT a.* FROM articles a
    WHERE a.author_id IN (SELECT followee_id FROM follows WHERE follower_id = current_user_id())
    ORDER BY a.created_at DESC, a.id DESC
$$;

-- Article.viewerHasFavorited (a computed column).
CREATE FUNCTION articles_viewer_has_favorited(a articles) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = current_user_id())
$$;

-- Mutation.createArticle: the viewer's article, slug from the title (a random
-- suffix when taken), tags created as needed.
CREATE FUNCTION create_article(title text, description text, body text, tags text[]) RETURNS articles
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    author bigint := current_user_id();
    base text := coalesce(nullif(trim(both '-' from regexp_replace(lower(title), '[^a-z0-9]+', '-', 'g')), ''), 'article');
    candidate text := base;
    created articles;
BEGIN
    IF author IS NULL THEN
        RAISE EXCEPTION 'Sign in to do this.' USING ERRCODE = '28000';
    END IF;
    FOR attempt IN 1..5 LOOP
        INSERT INTO articles AS a (author_id, slug, title, description, body)
        VALUES (author, candidate, title, description, body)
        ON CONFLICT ON CONSTRAINT articles_slug_key DO NOTHING
        RETURNING a.* INTO created;
        EXIT WHEN created.id IS NOT NULL;
        candidate := base || '-' || substr(md5(random()::text), 1, 6);
    END LOOP;
    INSERT INTO tags (name) SELECT unnest(tags) ON CONFLICT DO NOTHING;
    INSERT INTO article_tags (article_id, tag_id) SELECT created.id, t.id FROM tags t WHERE t.name = any(tags)
    ON CONFLICT DO NOTHING;
    RETURN created;
END
$$;

-- Mutation.favoriteArticle / unfavoriteArticle: the article afterwards.
CREATE FUNCTION favorite_article(article_id bigint) RETURNS articles LANGUAGE sql VOLATILE AS $$
    INSERT INTO favorites (user_id, article_id) VALUES (current_user_id(), favorite_article.article_id)
    ON CONFLICT DO NOTHING;
    SELECT * FROM articles WHERE id = favorite_article.article_id;
$$;

CREATE FUNCTION unfavorite_article(article_id bigint) RETURNS articles LANGUAGE sql VOLATILE AS $$
    DELETE FROM favorites WHERE user_id = current_user_id() AND favorites.article_id = unfavorite_article.article_id;
    SELECT * FROM articles WHERE id = unfavorite_article.article_id;
$$;

-- Query.userByUsername: usernames are unique case-insensitively (an index on
-- lower(username)), which PostGraphile cannot turn into a lookup by itself.
CREATE FUNCTION user_by_username(username text) RETURNS users LANGUAGE sql STABLE AS $$
    SELECT * FROM users u WHERE lower(u.username) = lower(user_by_username.username)
$$;

-- For the client-style shapes (bench/client_shapes.py).

-- Query.currentViewer: the signed-in user's row.
CREATE FUNCTION current_viewer() RETURNS users LANGUAGE sql STABLE AS $$
    SELECT * FROM users WHERE id = current_user_id()
$$;

-- User.viewerIsFollowing (a computed column).
CREATE FUNCTION users_viewer_is_following(u users) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM follows f WHERE f.followee_id = u.id AND f.follower_id = current_user_id())
$$;

-- Mutation.updateArticle: the description of one of the viewer's own articles.
CREATE FUNCTION update_article(article_id bigint, description text) RETURNS articles
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    updated articles;
BEGIN
    UPDATE articles AS a SET description = description, updated_at = now()
    WHERE a.id = article_id AND a.author_id = current_user_id()
    RETURNING a.* INTO updated;
    IF updated.id IS NULL THEN
        RAISE EXCEPTION 'No such article of yours.' USING ERRCODE = '42501';
    END IF;
    RETURN updated;
END
$$;

-- Mutation.followUser / unfollowUser: the user afterwards.
CREATE FUNCTION follow_user(user_id bigint) RETURNS users LANGUAGE sql VOLATILE AS $$
    INSERT INTO follows (follower_id, followee_id) VALUES (current_user_id(), follow_user.user_id)
    ON CONFLICT DO NOTHING;
    SELECT * FROM users WHERE id = follow_user.user_id;
$$;

CREATE FUNCTION unfollow_user(user_id bigint) RETURNS users LANGUAGE sql VOLATILE AS $$
    DELETE FROM follows WHERE follower_id = current_user_id() AND followee_id = unfollow_user.user_id;
    SELECT * FROM users WHERE id = unfollow_user.user_id;
$$;

-- Mutation.addComment: the viewer's comment on an article.
CREATE FUNCTION add_comment(article_id bigint, body text) RETURNS comments LANGUAGE sql VOLATILE AS $$
    INSERT INTO comments (article_id, author_id, body) VALUES (add_comment.article_id, current_user_id(), body)
    RETURNING *;
$$;

-- Mutation.updateViewer: the viewer's bio.
CREATE FUNCTION update_viewer(bio text) RETURNS users LANGUAGE sql VOLATILE AS $$
    UPDATE users SET bio = update_viewer.bio, updated_at = now() WHERE id = current_user_id() RETURNING *;
$$;

-- Mutation.deleteArticle / deleteComment: the viewer's own row, returned as it was.
CREATE FUNCTION delete_article(article_id bigint) RETURNS articles LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    deleted articles;
BEGIN
    DELETE FROM articles AS a WHERE a.id = article_id AND a.author_id = current_user_id() RETURNING a.* INTO deleted;
    IF deleted.id IS NULL THEN
        RAISE EXCEPTION 'No such article of yours.' USING ERRCODE = '42501';
    END IF;
    RETURN deleted;
END
$$;

CREATE FUNCTION delete_comment(comment_id bigint) RETURNS comments LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    deleted comments;
BEGIN
    DELETE FROM comments AS c WHERE c.id = comment_id AND c.author_id = current_user_id() RETURNING c.* INTO deleted;
    IF deleted.id IS NULL THEN
        RAISE EXCEPTION 'No such comment of yours.' USING ERRCODE = '42501';
    END IF;
    RETURN deleted;
END
$$;

-- Mutation.register / login: bcrypt through pgcrypto at OWASP's minimum work
-- factor (cost 10), as ours is at OWASP's minimum for argon2id (19 MiB, t=2);
-- cost 8, this file's first choice, is a quarter of that work. Ours
-- uses argon2id; PostgreSQL has no argon2. They answer the user row, no token
-- (PostGraphile would need a JWT type for one).
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE FUNCTION register(username text, email text, password text) RETURNS users LANGUAGE sql VOLATILE AS $$
    INSERT INTO users (username, email, password_hash)
    VALUES (register.username, lower(register.email), crypt(register.password, gen_salt('bf', 10)))
    RETURNING *;
$$;

CREATE FUNCTION login(email text, password text) RETURNS users LANGUAGE sql VOLATILE AS $$
    SELECT * FROM users u WHERE u.email = lower(login.email) AND u.password_hash = crypt(login.password, u.password_hash);
$$;
