// Whole-file writes: the new text replaces the old, nothing is left behind, failures are reasons.
#include "asyncfetch/atomic_file.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace asyncfetch {
namespace {

namespace fs = std::filesystem;

class atomic_file : public ::testing::Test
{
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/asyncfetch-atomic-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override
    {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    std::string read(const fs::path& p) const
    {
        std::ifstream f(p, std::ios::binary);
        std::stringstream s;
        s << f.rdbuf();
        return s.str();
    }

    std::size_t entries() const
    {
        return static_cast<std::size_t>(
            std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
    }

    fs::path dir_;
};

TEST_F(atomic_file, writes_and_replaces_leaving_no_temporary_file)
{
    const std::string path = (dir_ / "a.svg").string();
    EXPECT_FALSE(check_writable(path));
    EXPECT_EQ(entries(), 0u) << "the check leaves nothing behind";
    EXPECT_FALSE(write_file_atomically(path, "first"));
    EXPECT_EQ(read(path), "first");
    EXPECT_FALSE(write_file_atomically(path, "second, longer"));
    EXPECT_EQ(read(path), "second, longer");
    EXPECT_EQ(entries(), 1u);
}

TEST_F(atomic_file, a_missing_directory_or_a_directory_path_is_a_reason)
{
    const std::string missing = (dir_ / "no" / "a.svg").string();
    EXPECT_EQ(check_writable(missing), std::optional<std::string>("No such file or directory"));
    EXPECT_EQ(write_file_atomically(missing, "x"), std::optional<std::string>("No such file or directory"));
    fs::create_directory(dir_ / "sub.svg");
    EXPECT_EQ(check_writable((dir_ / "sub.svg").string()), std::optional<std::string>("Is a directory"));
    EXPECT_TRUE(write_file_atomically((dir_ / "sub.svg").string(), "x"));
    EXPECT_EQ(entries(), 1u) << "the failed write removed its temporary file";
}

TEST_F(atomic_file, a_rewritten_file_keeps_its_mode_and_a_new_private_one_is_0600)
{
    const fs::path jar = dir_ / "jar.txt";
    ASSERT_FALSE(write_file_atomically(jar.string(), "one\n", true));
    EXPECT_EQ(fs::status(jar).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);

    // A file the user made readable by the group stays so; one made private stays private.
    fs::permissions(jar, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    ASSERT_FALSE(write_file_atomically(jar.string(), "two\n", true));
    EXPECT_EQ(fs::status(jar).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    const fs::path picture = dir_ / "picture.svg";
    ASSERT_FALSE(write_file_atomically(picture.string(), "<svg/>"));
    fs::permissions(picture, fs::perms::owner_read | fs::perms::owner_write);
    ASSERT_FALSE(write_file_atomically(picture.string(), "<svg></svg>"));
    EXPECT_EQ(fs::status(picture).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(read(picture), "<svg></svg>");
}

}  // namespace
}  // namespace asyncfetch
