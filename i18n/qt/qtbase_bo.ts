<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- Qt's own words in Tibetan: the right-click menus of a line edit, a text box and the file
     dialog (contexts and sources exactly as in Qt's qtbase_zh_CN). Compiled to qtbase_bo.qm with
     pyside6-lrelease i18n/qt/qtbase_bo.ts -qm i18n/qt/qtbase_bo.qm
     (tests/desktop/test_desktop_dialogs.py checks the .qm is this file compiled). -->
<TS version="2.1" language="bo">
<context>
    <name>QLineEdit</name>
    <message>
        <source>&amp;Undo</source>
        <translation>ཕྱིར་ལྡོག(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>བསྐྱར་བཟོ(&amp;R)</translation>
    </message>
    <message>
        <source>Cu&amp;t</source>
        <translation>དྲས་གཏུབ(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>འདྲ་བཤུས(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Paste</source>
        <translation>སྦྱར་བ(&amp;P)</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>བསུབ་པ</translation>
    </message>
    <message>
        <source>Select All</source>
        <translation>ཚང་མ་འདེམས་པ</translation>
    </message>
</context>
<context>
    <name>QWidgetTextControl</name>
    <message>
        <source>&amp;Undo</source>
        <translation>ཕྱིར་ལྡོག(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>བསྐྱར་བཟོ(&amp;R)</translation>
    </message>
    <message>
        <source>Cu&amp;t</source>
        <translation>དྲས་གཏུབ(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>འདྲ་བཤུས(&amp;C)</translation>
    </message>
    <message>
        <source>Copy &amp;Link Location</source>
        <translation>འབྲེལ་ཐག་གི་གནས་ས་འདྲ་བཤུས(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Paste</source>
        <translation>སྦྱར་བ(&amp;P)</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>བསུབ་པ</translation>
    </message>
    <message>
        <source>Select All</source>
        <translation>ཚང་མ་འདེམས་པ</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Rename</source>
        <translation>མིང་བསྒྱུར(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>བསུབ་པ(&amp;D)</translation>
    </message>
    <message>
        <source>Show &amp;hidden files</source>
        <translation>སྦས་པའི་ཡིག་ཆ་སྟོན(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;New Folder</source>
        <translation>ཡིག་སྣོད་གསར་པ(&amp;N)</translation>
    </message>
</context>
</TS>
