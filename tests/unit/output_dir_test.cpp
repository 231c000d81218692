// --output-dir file names: safe names from URLs, unique paths inside the directory.
#include "asyncfetch/output_dir.hpp"

#include "asyncfetch/url.hpp"
#include "must_parse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace asyncfetch {
namespace {

using test::must_parse;

TEST(safe_file_name, last_segment_without_query)
{
    EXPECT_EQ(safe_file_name("/a/b/file.txt?x=1"), "file.txt");
    EXPECT_EQ(safe_file_name("/file.txt#frag"), "file.txt");
    EXPECT_EQ(safe_file_name("/a/b%20c.html"), "b c.html");
    EXPECT_EQ(safe_file_name("/dir/?q=/x/y"), "index.html");
}

TEST(safe_file_name, empty_dot_and_dotdot_become_index_html)
{
    EXPECT_EQ(safe_file_name("/"), "index.html");
    EXPECT_EQ(safe_file_name("/dir/"), "index.html");
    EXPECT_EQ(safe_file_name(""), "index.html");
    EXPECT_EQ(safe_file_name("/."), "index.html");
    EXPECT_EQ(safe_file_name("/.."), "index.html");
    EXPECT_EQ(safe_file_name("/%2e%2e"), "index.html");
    EXPECT_EQ(safe_file_name("/%2E."), "index.html");
    EXPECT_EQ(safe_file_name("/%2e"), "index.html");
}

TEST(safe_file_name, encoded_slashes_cannot_escape)
{
    const std::string name = safe_file_name("/%2F..%2Fetc%2Fpasswd");
    EXPECT_EQ(name.find('/'), std::string::npos) << name;
    EXPECT_EQ(name, "_.._etc_passwd");
    EXPECT_EQ(safe_file_name("/a%5Cb"), "a_b");
    EXPECT_EQ(safe_file_name("/..%5C..%5Cwin.ini"), "_._.._win.ini");
}

TEST(safe_file_name, leading_dot_becomes_underscore)
{
    EXPECT_EQ(safe_file_name("/.hidden"), "_hidden");
    EXPECT_EQ(safe_file_name("/%2Ehidden"), "_hidden");
    EXPECT_EQ(safe_file_name("/..."), "_..");
    EXPECT_EQ(safe_file_name("/a.b"), "a.b");
}

TEST(safe_file_name, control_characters_become_underscores)
{
    EXPECT_EQ(safe_file_name("/a%00b"), "a_b");
    EXPECT_EQ(safe_file_name("/a%0Ab%0d"), "a_b_");
    EXPECT_EQ(safe_file_name("/a%7Fb"), "a_b");
    EXPECT_EQ(safe_file_name(std::string_view("/a\0b\x01"
                                              "c",
                                              6)),
              "a_b_c");
}

TEST(safe_file_name, long_names_are_cut_to_200_bytes)
{
    EXPECT_EQ(safe_file_name("/" + std::string(300, 'a')), std::string(200, 'a'));
    EXPECT_EQ(safe_file_name("/" + std::string(200, 'b')), std::string(200, 'b'));
    // 300 encoded bytes decode to 100.
    std::string encoded = "/";
    for (int i = 0; i < 100; ++i)
        encoded += "%41";
    EXPECT_EQ(safe_file_name(encoded), std::string(100, 'A'));
}

TEST(output_names, paths_are_inside_the_directory_and_unique)
{
    output_names names("out");
    EXPECT_EQ(names.dir(), "out");
    EXPECT_EQ(names.reserve(must_parse("http://h/x")), "out/x");
    EXPECT_EQ(names.reserve(must_parse("http://h/x")), "out/x.1");
    EXPECT_EQ(names.reserve(must_parse("http://other/y/x?q=2")), "out/x.2");
    EXPECT_EQ(names.reserve(must_parse("http://h/")), "out/index.html");
    EXPECT_EQ(names.reserve(must_parse("http://h/dir/")), "out/index.html.1");
}

TEST(output_names, suffixed_names_never_collide_with_real_ones)
{
    output_names names("d");
    EXPECT_EQ(names.reserve(must_parse("http://h/x.1")), "d/x.1");
    EXPECT_EQ(names.reserve(must_parse("http://h/x")), "d/x");
    EXPECT_EQ(names.reserve(must_parse("http://h/x")), "d/x.2");
    EXPECT_EQ(names.reserve(must_parse("http://h/x.2")), "d/x.2.1");
}

TEST(output_names, hostile_targets_stay_in_the_directory)
{
    output_names names("/tmp/dl");
    for (const char* target : {"http://h/../../etc/passwd",
                               "http://h/%2e%2e/%2e%2e/etc/passwd",
                               "http://h/a/%2F..%2F..%2Fetc%2Fpasswd",
                               "http://h/..",
                               "http://h/%2e%2e",
                               "http://h/.ssh"})
    {
        const std::string path = names.reserve(must_parse(target));
        ASSERT_EQ(path.rfind("/tmp/dl/", 0), 0u) << path;
        const std::string name = path.substr(8);
        EXPECT_EQ(name.find('/'), std::string::npos) << target << " -> " << path;
        EXPECT_NE(name.front(), '.') << target << " -> " << path;
        EXPECT_NE(name, "..");
    }
    output_names fresh("DIR");
    EXPECT_EQ(fresh.reserve(must_parse("http://h/../../etc/passwd")), "DIR/passwd");
}

}  // namespace
}  // namespace asyncfetch
